#!/usr/bin/python3
"""Runs a command under the seccomp filter a systemd unit's SystemCallFilter= lines describe, as
systemd would, for tests/systemd-caps.sh (which has no systemd as PID 1 to do it).

    syscall-filter.py 'SPEC' [SPEC...] -- COMMAND [ARGS...]

Each SPEC is the value of one SystemCallFilter= line: an allow-list of system calls and @groups
(expanded with `systemd-analyze syscall-filter`). A call outside the list kills the process with
SIGSYS, systemd's default action. The caller must have set no_new_privs (setpriv --no-new-privs),
as the unit's NoNewPrivileges=yes does. Exits 2 on a malformed SPEC.
"""
import os
import subprocess
import sys

import seccomp

# systemd adds "@default" (the "system calls that are always permitted") to every allow-list.
IMPLICIT = "@default"


def expand(name, seen):
    """The system calls of one @group, nested groups included, as systemd-analyze lists them."""
    if name in seen:
        return set()
    seen.add(name)
    listing = subprocess.run(["systemd-analyze", "syscall-filter", name], check=True,
                             capture_output=True, text=True).stdout.splitlines()
    calls = set()
    for line in listing[1:]:
        item = line.strip()
        if not item or item.startswith("#"):
            continue
        calls |= expand(item, seen) if item.startswith("@") else {item}
    return calls


def main():
    if "--" not in sys.argv:
        sys.exit("usage: syscall-filter.py SPEC... -- COMMAND [ARGS...]")
    split = sys.argv.index("--")
    specs, command = sys.argv[1:split], sys.argv[split + 1:]
    seen = set()
    allowed = expand(IMPLICIT, seen)
    for spec in specs:
        for item in spec.split():
            if item.startswith("~") or ":" in item:
                print(f"syscall-filter.py: only allow-lists without errno are supported, not '{item}'", file=sys.stderr)
                sys.exit(2)
            allowed |= expand(item, seen) if item.startswith("@") else {item}
    flt = seccomp.SyscallFilter(defaction=seccomp.KILL_PROCESS)
    for call in sorted(allowed):
        try:
            flt.add_rule(seccomp.ALLOW, call)
        except (RuntimeError, ValueError):
            pass  # a name this architecture does not have (systemd skips those too)
    flt.load()
    os.execvp(command[0], command)


if __name__ == "__main__":
    main()
