"""xarray mean of a whole variable, timed: over HTTP (fsspec + aiohttp, a hub token header) or from a local path.
usage: xmean.py URL_OR_PATH VARIABLE [TOKEN]. Prints {"mean": ..., "seconds": ..., "cpu": ...} (cpu: this process)."""
import json
import sys
import time

import xarray as xr

where, var = sys.argv[1:3]
token = sys.argv[3] if len(sys.argv) > 3 else None
t0, c0 = time.perf_counter(), time.process_time()
if token:
    ds = xr.open_zarr(where, storage_options={"headers": {"Authorization": "token " + token}}, consolidated=True)
else:
    ds = xr.open_zarr(where, consolidated=True)
mean = float(ds[var].mean().values)
print(json.dumps({"mean": mean, "seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0}))
