"""Byte budgets: what a value held in memory costs, and the refusal of a change that would pass a budget."""
from __future__ import annotations

import sys


class BudgetExceeded(Exception):
    """A change that would make what ``budget`` bounds (``used`` bytes of ``limit``) grow by ``needed``."""

    def __init__(self, budget: str, limit: int, used: int, needed: int):
        super().__init__(f"{budget}: {used} of {limit} bytes used, {needed} more needed")
        self.budget, self.limit, self.used, self.needed = budget, limit, used, needed

    def detail(self) -> dict:
        return {"budget": self.budget, "limit": self.limit, "used": self.used, "needed": self.needed}


def deep_size(value) -> int:
    """What a JSON-like value (dicts, lists, strings, numbers) costs in memory, its parts included:
    ``sys.getsizeof`` of each object, walked without recursion (a document may be nested deeply)."""
    total, stack = 0, [value]
    while stack:
        item = stack.pop()
        total += sys.getsizeof(item)
        if type(item) is dict:
            stack.extend(item.keys())
            stack.extend(item.values())
        elif type(item) in (list, tuple):
            stack.extend(item)
    return total
