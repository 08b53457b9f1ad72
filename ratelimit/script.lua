-- Every limit of one submission, in one call (see gcra.go).
--
-- KEYS[i]   subject i's key; every key carries the same hash tag, so on
--           Redis Cluster they share one slot.
-- ARGV[4i-3 .. 4i], for subject i:
--           its interval in microseconds, its burst, "1" when exceeding it
--           holds the comment instead of refusing it, and a member: empty
--           for a GCRA limit, else the member of a distinct-count set that
--           lives one interval from its first member.
--
-- Returns one flat array, four numbers per subject: allowed (0 or 1),
-- remaining, retry after in us, set size. When any refusing subject is
-- over its limit nothing is stored, so a refused submission costs the
-- other subjects nothing.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local out, next, fresh, refused = {}, {}, {}, false
for i, key in ipairs(KEYS) do
  local a = 4 * i - 3
  local every, burst, hold, member = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), ARGV[a + 2] == '1', ARGV[a + 3]
  local o = 4 * i - 3
  if member ~= '' then
    local n = redis.call('SCARD', key)
    -- An empty set (most texts are new) cannot hold the member.
    fresh[i] = n == 0
    if n == 0 or redis.call('SISMEMBER', key, member) == 0 then n = n + 1 end
    out[o], out[o + 1], out[o + 2], out[o + 3] = n < burst and 1 or 0, math.max(burst - n, 0), 0, n
    if n >= burst and not hold then refused = true end
  else
    local limit = every * burst
    local tat = tonumber(redis.call('GET', key) or '0')
    if tat < now then tat = now end
    local n = tat + every
    local over = n - now - limit
    if over > 0 then
      out[o], out[o + 1], out[o + 2], out[o + 3] = 0, 0, over, 0
      if not hold then refused = true end
    else
      out[o], out[o + 1], out[o + 2], out[o + 3] = 1, math.floor((limit - (n - now)) / every), 0, 0
      next[i] = n
    end
  end
end
if not refused then
  for i, key in ipairs(KEYS) do
    local a = 4 * i - 3
    if ARGV[a + 3] ~= '' then
      redis.call('SADD', key, ARGV[a + 3])
      -- The set's window starts with its first member.
      if fresh[i] then redis.call('PEXPIRE', key, math.ceil(tonumber(ARGV[a]) / 1000)) end
    elseif next[i] then
      -- The key is useless once its TAT has passed: expire it then.
      redis.call('SET', key, string.format('%.0f', next[i]), 'PX', math.ceil((next[i] - now) / 1000))
    end
  end
end
return out
