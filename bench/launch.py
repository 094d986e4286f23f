"""Starts a command from a small process and writes its resource usage to a file, as JSON.

Why a go-between: on Linux a child's peak memory (`ru_maxrss`) starts at the memory of the
process it was started from, because exec folds the old address space's high-water mark into
the new program's. Started straight from the bench (which holds a read 5,000-user account by
then), iamctl would be charged the bench's 200 MB. Started from this ~10 MB process, it is
charged its own. Usage: python -I -S launch.py REPORT_FILE COMMAND [ARG...]
"""

import json
import os
import sys
import time


def main() -> int:
    report, command = sys.argv[1], sys.argv[2:]
    started = time.monotonic()
    pid = os.posix_spawn(command[0], command, os.environ)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.monotonic() - started
    with open(report, "w") as out:
        json.dump(
            {
                "seconds": seconds,
                "cpu_seconds": usage.ru_utime + usage.ru_stime,
                "peak_mb": usage.ru_maxrss / 1024,  # Linux reports kilobytes
            },
            out,
        )
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
