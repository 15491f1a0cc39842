-- wrk request generator: cycles through BENCH_KEYS chunk keys under BENCH_PREFIX (e.g. /data/bench/small/), so each
-- request names another file, as a reader walking an array does. Headers given with -H are kept (wrk.format uses them).
local n = tonumber(os.getenv("BENCH_KEYS"))
local prefix = os.getenv("BENCH_PREFIX")
local i = 0
request = function()
  i = (i + 1) % n
  return wrk.format(nil, prefix .. i)
end
