-- Settles a batch of deliveries, each only if it is still the one recorded: the index score is the delivery's lock,
-- set when it was popped or renewed; a restore followed by another pop (ours or a Celery worker's) changes it.
-- KEYS: groups of 8, one per (record kind, queue, list) the batch touches, each sent once however many operations use
--   it: 1 record hash (unacked or raw), 2 its index, 3 raw meta, 4 raw deliveries, 5 in-flight set, 6 dead-letter list,
--   7 dead-letter counter, 8 the list to abandon to.
-- ARGV: per operation i (from 0), 6 from ARGV[6i+1]: 1 its key group (from 1), 2 op (complete, abandon, deadletter,
--   renew), 3 kind, 4 tag, 5 score, 6 new score or dead-letter entry.
-- Returns per operation 0 when the lock is lost; otherwise 1, or the new score for renew.
local function settle(g, op, kind, tag, score, extra)
  local k = 8 * (g - 1)
  local current = redis.call('ZSCORE', KEYS[k + 2], tag)
  if current ~= score then return 0 end
  if op == 'renew' then
    redis.call('ZADD', KEYS[k + 2], 'XX', extra, tag)
    return redis.call('ZSCORE', KEYS[k + 2], tag)
  end

  -- The record's text is needed only to put the message back (reading it costs a copy of the whole message).
  local entry = nil
  if op == 'abandon' then entry = redis.call('HGET', KEYS[k + 1], tag) end
  redis.call('ZREM', KEYS[k + 2], tag)
  redis.call('HDEL', KEYS[k + 1], tag)
  redis.call('SREM', KEYS[k + 5], tag)
  local sha = nil
  if kind == 'r' then
    local meta = redis.call('HGET', KEYS[k + 3], tag)
    redis.call('HDEL', KEYS[k + 3], tag)
    if meta then sha = cjson.decode(meta)['s'] end
  end

  if op == 'abandon' then
    -- To the back of its list, as kombu's reject with requeue does; the delivery count stays.
    if entry then
      local message = entry
      if kind == 'k' then message = first_element(entry) end
      if message then redis.call('LPUSH', KEYS[k + 8], message) end
    end
    return 1
  end

  if sha then redis.call('HDEL', KEYS[k + 4], sha) end
  if op == 'deadletter' then
    local seq = redis.call('INCR', KEYS[k + 7])
    redis.call('RPUSH', KEYS[k + 6], '{"seq":' .. seq .. ',' .. string.sub(extra, 2))
  end
  return 1
end

local n = #ARGV / 6
-- A busy worker's batch is nearly all completions of kombu deliveries: those are checked one by one but removed in bulk,
-- one ZREM, HDEL and SREM per key group for all of them instead of three calls each (a command called from a script
-- costs about as much as the Lua around it). Only when no tag appears twice in the batch: then no operation changes
-- what another one's check reads, and the order the removals happen in cannot matter.
local bulk = true
local seen = {}
for i = 0, n - 1 do
  local tag = ARGV[6 * i + 4]
  if seen[tag] then bulk = false break end
  seen[tag] = true
end

local results = {}
local completed = {}
for i = 0, n - 1 do
  local b = 6 * i
  local g, op, kind, tag, score = tonumber(ARGV[b + 1]), ARGV[b + 2], ARGV[b + 3], ARGV[b + 4], ARGV[b + 5]
  if bulk and op == 'complete' and kind == 'k' then
    if redis.call('ZSCORE', KEYS[8 * (g - 1) + 2], tag) == score then
      local tags = completed[g]
      if not tags then tags = {}; completed[g] = tags end
      tags[#tags + 1] = tag
      results[i + 1] = 1
    else
      results[i + 1] = 0
    end
  else
    results[i + 1] = settle(g, op, kind, tag, score, ARGV[b + 6])
  end
end

-- Arguments per bulk call at most: Lua unpacks a few thousand values at the most.
local BULK = 1000
for g, tags in pairs(completed) do
  local k = 8 * (g - 1)
  for from = 1, #tags, BULK do
    local to = math.min(from + BULK - 1, #tags)
    redis.call('ZREM', KEYS[k + 2], unpack(tags, from, to))
    redis.call('HDEL', KEYS[k + 1], unpack(tags, from, to))
    redis.call('SREM', KEYS[k + 5], unpack(tags, from, to))
  end
end
return results
