"""Caps OpenBLAS threads for numpy at run time. On shared 2-core machines a multi-threaded BLAS under contention made
one USE sentence embedding take 0.5–1.5 s instead of 10 ms (measured); one thread is fastest for small matrices.

Uses the symbol numpy's bundled scipy-openblas exports (no threadpoolctl needed); a no-op when it is not found."""

from __future__ import annotations

import ctypes
from pathlib import Path


def limit_blas_threads(n: int = 1) -> bool:
    import numpy

    libs = Path(numpy.__file__).resolve().parent.parent / "numpy.libs"
    for lib in sorted(libs.glob("libscipy_openblas*.so")):
        try:
            handle = ctypes.CDLL(str(lib))
        except OSError:
            continue
        for symbol in (
            "scipy_openblas_set_num_threads64_",
            "scipy_openblas_set_num_threads",
            "openblas_set_num_threads",
        ):
            fn = getattr(handle, symbol, None)
            if fn is not None:
                fn(ctypes.c_int(n))
                return True
    return False
