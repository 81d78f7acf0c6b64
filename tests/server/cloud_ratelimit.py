# Fixed-window request counters per organization, user or client IP (docs/api.md section 3).
import math
import threading
import time


class RateLimiter:
    """Like Laravel's limiter: a window opens at a key's first hit and closes `window` seconds later."""

    def __init__(self):
        self.lock = threading.Lock()
        self.windows = {}  # key -> [window end, hits]

    def hit(self, key, limit, window):
        """(allowed, remaining, retry_after seconds); a refused request does not count."""
        now = time.monotonic()
        with self.lock:
            entry = self.windows.get(key)
            if entry is None or now >= entry[0]:
                entry = self.windows[key] = [now + window, 0]
            if entry[1] >= limit:
                return False, 0, max(1, math.ceil(entry[0] - now))
            entry[1] += 1
            return True, limit - entry[1], 0

    def reset(self):
        with self.lock:
            self.windows.clear()
