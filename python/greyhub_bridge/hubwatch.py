"""A managed bridge ends with the hub that started it, from its first moment.

The watch is a thread started before anything slow (importing JupyterHub, loading the config, the hosted classes' own
set-up), so a hub killed while its bridge is still starting, or while the event loop is held up by a blocking call, is
noticed all the same: the bridge is sent SIGTERM (a clean stop once it serves; the default, ending at once, before)
and is ended for good a few seconds later. The servers it started are not its to stop: the next hub's bridge
re-attaches them from their stored state.
"""

import os
import signal
import sys
import threading
import time


def start():
    """Starts the watch when a hub manages this bridge (GREYHUB_PLUGIN_NAME); the hub's pid is GREYHUB_PLUGIN_HUB_PID."""
    if not os.environ.get("GREYHUB_PLUGIN_NAME"):
        return
    # From the hub itself: a hub that died before this line ran has already handed the bridge to another parent,
    # which os.getppid() alone would take for the hub.
    hub = int(os.environ.get("GREYHUB_PLUGIN_HUB_PID") or os.getppid())

    def watch():
        while os.getppid() == hub:
            time.sleep(0.5)
        sys.stderr.write("greyhub-bridge: the hub that started it is gone; stopping\n")
        sys.stderr.flush()
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(10)
        os._exit(0)

    threading.Thread(target=watch, name="greyhub-hub-watch", daemon=True).start()
