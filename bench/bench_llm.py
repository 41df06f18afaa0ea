"""Local LLM time to first token: the agent's path (OpenAI-compatible SSE over HTTP to the embedded llama.cpp server)
against raw llama.cpp (the same server's in-process `handle_chat_completions` with a streaming callback) on the SAME
prompt in the SAME run, cold (`cache_prompt: false`, the whole prompt prefilled) and with the cached prefix (the
system prompt + tenant voice already in the slot, only the per-message part prefilled). Writes
evals/results/llm_ttft.json and .md.

The prompts are exactly what `phrase()` sends (phrase_scope: the greeting and the answer; phrase_messages) for a few
answer-first plans.
Order alternates (agent first, then raw first) so load drift on the shared machine does not favour one side. The host
prompt cache is off in this run (cache_ram_mib=0): with it on, the second of two runs of one prompt would restore the
first run's whole prompt from RAM and look free. One phrase() run end to end gives the time to the first streamed
(unmasked) piece as a listener sees it. Load average and this process's CPU time are recorded beside wall time.

Run: python -m bench.bench_llm [--rounds N] [--out PATH.json]   (default evals/results/llm_ttft.json; the .md goes
beside the .json). Develop with --out /tmp/llm_ttft.json: evals/results/ is written by the final run on a quiet machine.
The whole run's wall time (model load included) is printed and recorded as machine.bench_wall_s."""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "evals" / "results"
CACHE = ROOT / "var" / "models"  # the product's default model_cache_dir: one joined GGUF, one page-cache copy
TTFT_TOKENS = 4  # enough to see the first piece; generation is cut right after it on both sides
GOAL = 1.2


def plans() -> list[Any]:
    """Answer-first plans of the shape the template composer writes (two industries, one voice per run)."""
    from agents.drafting.plan import DraftPlan, Slot, TenantVoice
    from contract.suggestions import Citation

    voice = TenantVoice(persona="销售代表", tone="礼貌、简洁，称呼“您”")
    cites = (Citation(marker="1", evidence_id="ev1"), Citation(marker="2", evidence_id="ev2"))
    rows = [
        (
            "王主任",
            "王主任您好，您上季度A类产品采购 86 万元，适用返点 2.5%[1]（《返点协议V3.2》第四条）。"
            "下一步：我把新品试用方案发您参考[2]。",
            ("86 万元", "2.5%"),
        ),
        (
            "刘经理",
            "刘经理您好，您这台设备的质保到 2027-05-31 截止，还剩 178 天[1]（《质保政策》第3.1条）。"
            "下一步：您需要的话我帮您预约保养[2]。",
            ("2027-05-31", "178 天"),
        ),
        (
            "陈总",
            "陈总您好，这次 3.5% 的折扣超出我的权限，需要区域经理审批[1]（《价格授权规定》第二条）。"
            "下一步：我今天提交审批申请，有结果第一时间告诉您[2]。",
            ("3.5%",),
        ),
    ]
    return [
        DraftPlan(
            lang="zh",
            addressee=who,
            voice=voice,
            # the answer sentence, as the composer marks it: phrase() sends the greeting and the answer
            answer=text.split("您好，", 1)[1].split("下一步：", 1)[0],
            next_step=text.split("下一步：", 1)[1],
            template_text=text,
            slots=tuple(Slot(v, "ev1", "1") for v in slot_values),
            citations=cites,
        )
        for who, text, slot_values in rows
    ]


def machine_now() -> dict[str, float]:
    usage = resource.getrusage(resource.RUSAGE_SELF)  # llama.cpp's threads run in this process: counted here
    load1, load5, load15 = os.getloadavg()
    return {
        "wall": time.perf_counter(),
        "cpu": usage.ru_utime + usage.ru_stime,
        "load1": round(load1, 2),
        "load5": round(load5, 2),
        "load15": round(load15, 2),
    }


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def ours_ttft(llm: Any, messages: list[dict[str, str]], cache_prompt: bool) -> tuple[float, float, int, int]:
    """The agent's path: OpenAI-compatible SSE over HTTP. Returns wall ms and this process's CPU ms (llama.cpp's
    threads included) to the first piece, prompt tokens and cached prompt tokens."""
    from agents.llm.openai_compat import OpenAICompatChat

    client = OpenAICompatChat(llm.address, "local", extra_body={"cache_prompt": cache_prompt})
    t0, c0 = time.perf_counter(), cpu_s()
    stream = client.stream(messages, max_tokens=TTFT_TOKENS, temperature=0.0, timeout_s=900)
    for _ in stream:
        break
    ttft, cpu = (time.perf_counter() - t0) * 1000, (cpu_s() - c0) * 1000
    for _ in stream:  # drain the few remaining tokens so usage (prompt and cached tokens) arrives
        pass
    result = stream.result
    return (
        ttft,
        cpu,
        (result.prompt_tokens if result else 0),
        (result.cached_prompt_tokens if result else 0),
    )


def raw_ttft(llm: Any, messages: list[dict[str, str]], cache_prompt: bool) -> tuple[float, float]:
    """Raw llama.cpp: the same server, in process, streaming callback; stops generation after the first piece.
    Returns wall ms and CPU ms to the first piece."""
    first: list[tuple[float, float]] = []
    t0, c0 = time.perf_counter(), cpu_s()

    def on_chunk(event: dict[str, Any]) -> bool:
        for choice in event.get("choices") or []:
            if (choice.get("delta") or {}).get("content") and not first:
                first.append((time.perf_counter(), cpu_s()))
        return bool(first)  # True tells llama.cpp to stop: only the first token is timed

    body = {
        "messages": messages,
        "max_tokens": TTFT_TOKENS,
        "temperature": 0.0,
        "stream": True,
        "cache_prompt": cache_prompt,
    }
    llm.server.handle_chat_completions(body, on_chunk)
    if not first:
        raise RuntimeError("raw llama.cpp streamed no token")
    return (first[0][0] - t0) * 1000, (first[0][1] - c0) * 1000


def prime(llm: Any, plan_messages: list[dict[str, str]]) -> None:
    """Leaves exactly the shared prefix (system prompt + voice) in the slot: a request with another user turn."""
    other = [plan_messages[0], {"role": "user", "content": "【称呼】您好\n【草稿】您好，收到[1]。\n【改写】"}]
    llm.complete(other, max_tokens=1, temperature=0.0, timeout_s=900)


def measure(llm: Any, rounds: int, log: Callable[[str], None]) -> dict[str, Any]:
    from agents.drafting.llm_draft import mask_template, phrase_messages, phrase_scope

    heads = [phrase_scope(p).plan for p in plans()]
    prompts = [phrase_messages(h, mask_template(h)) for h in heads]
    walls: dict[str, dict[str, list[float]]] = {c: {"ours": [], "raw": []} for c in ("cold", "cached_prefix")}
    cpus: dict[str, dict[str, list[float]]] = {c: {"ours": [], "raw": []} for c in ("cold", "cached_prefix")}
    loads: list[float] = []
    prompt_tokens: list[int] = []
    cached_tokens: list[int] = []
    for r in range(rounds):
        for i, messages in enumerate(prompts):
            order = ("ours", "raw") if (r + i) % 2 == 0 else ("raw", "ours")
            # cold: cache_prompt false → the whole prompt is prefilled; cached: primed with another message of the
            # same tenant first, so exactly the shared prefix is in the slot
            for case, cache_prompt in (("cold", False), ("cached_prefix", True)):
                for side in order:
                    if cache_prompt:
                        prime(llm, messages)
                    if side == "ours":
                        wall, cpu, n_prompt, n_cached = ours_ttft(llm, messages, cache_prompt=cache_prompt)
                        (cached_tokens if cache_prompt else prompt_tokens).append(
                            n_cached if cache_prompt else n_prompt
                        )
                    else:
                        wall, cpu = raw_ttft(llm, messages, cache_prompt=cache_prompt)
                    walls[case][side].append(round(wall, 1))
                    cpus[case][side].append(round(cpu, 1))
                    loads.append(round(os.getloadavg()[0], 2))
            log(f"round {r} prompt {i}: cold {walls['cold']['ours'][-1]}/{walls['cold']['raw'][-1]} ms, "
                f"cached {walls['cached_prefix']['ours'][-1]}/{walls['cached_prefix']['raw'][-1]} ms (ours/raw), "
                f"load {loads[-1]}")  # fmt: skip

    def summary(case: str) -> dict[str, Any]:
        w, c = walls[case], cpus[case]
        pairs = [round(a / b, 3) for a, b in zip(w["ours"], w["raw"], strict=True) if b > 0]
        cpu_pairs = [round(a / b, 3) for a, b in zip(c["ours"], c["raw"], strict=True) if b > 0]
        return {
            "ours_ttft_ms": w["ours"],
            "raw_ttft_ms": w["raw"],
            "median_ours_ms": round(statistics.median(w["ours"]), 1),
            "median_raw_ms": round(statistics.median(w["raw"]), 1),
            # each pair ran back to back, so its ratio cancels most of the load drift between pairs
            "ttft_ratio_vs_raw": round(statistics.median(pairs), 3) if pairs else None,
            "per_prompt_ratios": pairs,
            "ours_cpu_to_first_token_ms": c["ours"],
            "raw_cpu_to_first_token_ms": c["raw"],
            "cpu_ratio_vs_raw": round(statistics.median(cpu_pairs), 3) if cpu_pairs else None,
        }

    return {
        "cold": summary("cold"),
        "cached_prefix": summary("cached_prefix"),
        "loadavg_1min_per_sample": loads,
        "prompt_tokens": sorted(set(prompt_tokens)),
        "cached_prompt_tokens": sorted(set(cached_tokens)),
    }


def phrase_end_to_end(llm: Any) -> dict[str, Any]:
    """One phrase() run as the draft node makes it (cached prefix): when the first unmasked piece reached a listener."""
    from agents.drafting.llm_draft import PhraseOutcome, phrase

    plan = plans()[0]
    arrivals: list[float] = []
    outcome = PhraseOutcome()
    t0 = time.perf_counter()
    draft = phrase(
        plan, llm, lambda piece: arrivals.append(time.perf_counter()), timeout_s=900, outcome=outcome
    )
    return {
        "first_streamed_token_ms": round((arrivals[0] - t0) * 1000, 1) if arrivals else None,
        "llm_first_token_ms": outcome.first_token_ms,
        "total_ms": round((time.perf_counter() - t0) * 1000, 1),
        "prompt_tokens": outcome.prompt_tokens,
        "result": "llm_draft" if draft is not None else f"template (rejected: {outcome.reason})",
        "text": draft.text if draft is not None else outcome.raw_text,
    }


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m bench.bench_llm", description=__doc__.splitlines()[0])
    ap.add_argument(
        "--rounds", type=int, default=1, help="rounds over the prompts (each: cold and cached pairs)"
    )
    ap.add_argument("--out", default=str(RESULTS / "llm_ttft.json"), help="result .json (the .md beside it)")
    args = ap.parse_args(sys.argv[1:] if argv is None else argv)
    rounds = max(1, args.rounds)
    from agents.llm.local import LocalLlm

    started = time.perf_counter()
    before = machine_now()
    llm = LocalLlm(CACHE, cache_ram_mib=0)
    loaded = machine_now()
    try:
        timing = measure(llm, rounds, print)
        e2e = phrase_end_to_end(llm)
    finally:
        llm.close()
    after = machine_now()
    wall = after["wall"] - loaded["wall"]
    cpu = after["cpu"] - loaded["cpu"]
    res = {
        "run_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "model": LocalLlm.name,
        "rounds": rounds,
        "ttft_ratio_vs_raw": {
            "cold": timing["cold"]["ttft_ratio_vs_raw"],
            "cached_prefix": timing["cached_prefix"]["ttft_ratio_vs_raw"],
            "goal": f"<= {GOAL}",
        },
        **timing,
        "phrase_end_to_end": e2e,
        "machine": {
            "cores": os.cpu_count(),
            "loadavg_before": [before["load1"], before["load5"], before["load15"]],
            "loadavg_after": [after["load1"], after["load5"], after["load15"]],
            "load_and_warm_up_s": round(loaded["wall"] - before["wall"], 1),
            "measure_wall_s": round(wall, 1),
            "measure_process_cpu_s": round(cpu, 1),
            "cpu_s_per_wall_s": round(cpu / wall, 2) if wall else None,
            "bench_wall_s": round(time.perf_counter() - started, 1),
        },
        "settings": {
            "n_threads": 2,
            "n_parallel": 1,
            "max_tokens_per_ttft_request": TTFT_TOKENS,
            "host_prompt_cache": "off for this run (cache_ram_mib=0); 256 MiB in the product",
        },
    }
    write(res, Path(args.out))
    print(json.dumps(res, ensure_ascii=False, indent=2))
    print(f"bench_llm: {res['machine']['bench_wall_s']} s in all, written to {args.out}", file=sys.stderr)
    return 0


def write(res: dict[str, Any], out: Path = RESULTS / "llm_ttft.json") -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, ensure_ascii=False, indent=2), encoding="utf-8")
    m, c, k, e = res["machine"], res["cold"], res["cached_prefix"], res["phrase_end_to_end"]
    lines = [
        "# Local LLM time to first token vs raw llama.cpp",
        "",
        f"Run {res['run_at']}, {res['model']}, {res['rounds']} round(s) × {len(c['ours_ttft_ms']) // res['rounds']} "
        f"prompts = {len(c['ours_ttft_ms'])} agent/raw pairs per case "
        f"(the exact prompts phrase() sends; {', '.join(map(str, res['prompt_tokens']))} prompt tokens).",
        f"Machine: {m['cores']} cores; load average (1/5/15 min) "
        f"{' / '.join(map(str, m['loadavg_before']))} before and {' / '.join(map(str, m['loadavg_after']))} after. "
        f"Measuring took {m['measure_wall_s']} s wall and {m['measure_process_cpu_s']} s of this process's CPU "
        f"({m['cpu_s_per_wall_s']} CPU-s per wall-s; llama.cpp's threads included); load + warm-up "
        f"{m['load_and_warm_up_s']} s; the whole bench {m.get('bench_wall_s', '—')} s.",
        "",
        "| case | agent path median ms | raw llama.cpp median ms | ttft_ratio_vs_raw | goal |",
        "|---|---|---|---|---|",
        f"| cold (whole prompt prefilled) | {c['median_ours_ms']} | {c['median_raw_ms']} | "
        f"**{c['ttft_ratio_vs_raw']}** | ≤ {GOAL} |",
        f"| cached prefix (system prompt + tenant voice reused; {', '.join(map(str, res['cached_prompt_tokens']))} "
        f"tokens from cache) | {k['median_ours_ms']} | {k['median_raw_ms']} | **{k['ttft_ratio_vs_raw']}** | ≤ {GOAL} |",
        "",
        f"ttft_ratio_vs_raw is the median of per-prompt ratios (each agent/raw pair ran back to back): cold "
        f"{c['per_prompt_ratios']}, cached {k['per_prompt_ratios']}. The same ratio on this process's CPU time to "
        f"the first token (llama.cpp threads included; insensitive to how much of the 2 cores others took): cold "
        f"**{c['cpu_ratio_vs_raw']}**, cached **{k['cpu_ratio_vs_raw']}**. 1-min load average per sample: "
        f"{min(res['loadavg_1min_per_sample'])}–{max(res['loadavg_1min_per_sample'])}.",
        "",
        "## phrase() end to end (cached prefix)",
        f"First streamed piece (placeholders filled in) after **{e['first_streamed_token_ms']} ms** "
        f"(LLM time to first token {e['llm_first_token_ms']} ms, {e['prompt_tokens']} prompt tokens); whole draft "
        f"{e['total_ms']} ms; outcome: {e['result']}.",
        "",
        f"> {e['text']}",
        "",
        "How: agent path = OpenAICompatChat streaming SSE over HTTP from the in-process xllamacpp server; raw = the same "
        "server's handle_chat_completions with a streaming callback, no HTTP. Both stop after the first token. Sides "
        "alternate order per prompt. Cold = `cache_prompt: false`; cached = a request with another user turn first, "
        "so only the system prompt + voice is in the slot. The host prompt cache is off in this run so a repeated "
        "prompt is not restored whole from RAM.",
    ]
    out.with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
