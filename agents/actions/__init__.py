"""Next best actions: the tenant's typed action catalog and the business-unit playbooks that propose them."""
