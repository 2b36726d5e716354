"""Instructions per click of `gizmolua serve`, from two callgrind runs.

`make profile` runs the server under valgrind's callgrind twice, with
`gizmobench --only round-trip` clicking CLICKS and 0 recorded times on one
session (after the same warm-up), and calls this with both output files:
what the longer run counted over the shorter one, divided by CLICKS, is the
cost of a click alone (start-up, the session's launch and shutdown cancel
out). Instruction counts do not move with the machine's load, as times do.

    python3 click_profile.py SHORT LONG CLICKS [TOP]
"""

import re
import subprocess
import sys


def functions(path):
    """Self cost (Ir) by function name, from callgrind_annotate."""
    out = subprocess.run(
        ["callgrind_annotate", "--threshold=100", "--inclusive=no", path],
        capture_output=True, text=True, check=True,
    ).stdout
    total, costs = 0, {}
    for line in out.splitlines():
        match = re.match(r"\s*([\d,]+) \([^)]*\)\s+(.*)", line)
        if not match:
            continue
        count = int(match.group(1).replace(",", ""))
        if "PROGRAM TOTALS" in line:
            total = count
            continue
        # "file:function [object]": keyed by the object's file name, since
        # its folder differs between the runs' copies.
        found = re.match(r"(.*?)\s*\[([^\]]*)\]$", match.group(2))
        name, obj = (found.group(1), found.group(2).rsplit("/", 1)[-1]) if found else (match.group(2), "")
        key = (name, obj)
        costs[key] = costs.get(key, 0) + count
    return total, costs


def part(name, obj):
    """Which part of the process a function belongs to."""
    if obj.startswith("liblua"):
        return "Lua (liblua5.4: the turn, JSON is ours)"
    if obj.startswith("libc"):
        return "libc (malloc, locks)"
    if re.match(r"(\?\?\?:)?(swift_|_swift|swift::|\(anonymous namespace\)|std::|getCache|withStatusRecordLock|_dispatch|_Block|dispatch_)", name):
        return "Swift runtime and Dispatch (retain/release, metadata, tasks, exclusivity)"
    if name.startswith("???:gz_") or "encode_string" in name or "decode_string" in name:
        return "gizmolua's C (allocator, JSON)"
    return "Swift code (NIO, Hummingbird, gizmolua)"


def readable(name):
    """A Swift symbol demangled (simplified); others as they are."""
    symbol = re.search(r"(\$s\S+)", name)
    if not symbol:
        return name.replace("???:", "")
    out = subprocess.run(["swift", "demangle", "--simplified", symbol.group(1)],
                         capture_output=True, text=True).stdout.strip()
    return out.split("--->")[-1].strip() or name


def main():
    short, long, clicks = sys.argv[1], sys.argv[2], int(sys.argv[3])
    top = int(sys.argv[4]) if len(sys.argv) > 4 else 25
    short_total, short_costs = functions(short)
    long_total, long_costs = functions(long)
    print(f"instructions per click: {(long_total - short_total) / clicks:,.0f} "
          f"({long_total:,} - {short_total:,} over {clicks} clicks)")
    rows = sorted(((long_costs.get(k, 0) - short_costs.get(k, 0), k)
                   for k in set(short_costs) | set(long_costs)), reverse=True)
    parts = {}
    for cost, (name, obj) in rows:
        parts[part(name, obj)] = parts.get(part(name, obj), 0) + cost
    print("\nby part of the process (per click):")
    for name, cost in sorted(parts.items(), key=lambda item: -item[1]):
        print(f"{cost / clicks:10,.0f}  {name}")
    print(f"\nwhere they go (self cost per click, the top {top}):")
    for cost, (name, obj) in rows[:top]:
        shown = readable(name)
        if shown.startswith("0x"):
            shown += f" in {obj}"
        print(f"{cost / clicks:10,.0f}  {shown[:150]}")


if __name__ == "__main__":
    main()
