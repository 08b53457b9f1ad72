-- GCRA for every subject of one submission, in one call (see gcra.go).
--
-- KEYS[i]   the subject's TAT key; every key carries the same hash tag, so
--           on Redis Cluster they share one slot.
-- ARGV[1]   "1" for a dry run: decide, store nothing.
-- ARGV[3i-1], ARGV[3i], ARGV[3i+1]
--           subject i's interval in microseconds, its burst, and "1" when
--           exceeding it holds the comment instead of refusing it.
--
-- Returns, per subject, {allowed (0 or 1), remaining, retry after in us}.
-- When any refusing subject is over its limit nothing is stored, so a
-- refused submission costs the other subjects nothing.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local out, next, refused = {}, {}, false
for i, key in ipairs(KEYS) do
  local every = tonumber(ARGV[3 * i - 1])
  local limit = every * tonumber(ARGV[3 * i])
  local tat = tonumber(redis.call('GET', key) or '0')
  if tat < now then tat = now end
  local n = tat + every
  local over = n - now - limit
  if over > 0 then
    out[i] = {0, 0, over}
    if ARGV[3 * i + 1] ~= '1' then refused = true end
  else
    out[i] = {1, math.floor((limit - (n - now)) / every), 0}
    next[i] = n
  end
end
if ARGV[1] ~= '1' and not refused then
  for i, key in ipairs(KEYS) do
    if next[i] then
      -- The key is useless once its TAT has passed: expire it then.
      redis.call('SET', key, string.format('%.0f', next[i]), 'PX', math.ceil((next[i] - now) / 1000))
    end
  end
end
return out
