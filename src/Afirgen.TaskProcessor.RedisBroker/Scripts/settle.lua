-- Settles a batch of deliveries, each only if it is still the one recorded: the index score is the delivery's lock,
-- set when it was popped or renewed; a restore followed by another pop (ours or a Celery worker's) changes it.
-- Per operation i (from 0), 8 keys from KEYS[8i+1]: 1 record hash (unacked or raw), 2 its index, 3 raw meta,
--   4 raw deliveries, 5 in-flight set, 6 dead-letter list, 7 dead-letter counter, 8 the list to abandon to;
-- and 5 arguments from ARGV[5i+1]: 1 op (complete, abandon, deadletter, renew), 2 kind, 3 tag, 4 score,
--   5 new score or dead-letter entry.
-- Returns per operation 0 when the lock is lost; otherwise 1, or the new score for renew.
local function settle(k, a)
  local op, kind, tag = a[1], a[2], a[3]
  local current = redis.call('ZSCORE', k[2], tag)
  if current ~= a[4] then return 0 end
  if op == 'renew' then
    redis.call('ZADD', k[2], 'XX', a[5], tag)
    return redis.call('ZSCORE', k[2], tag)
  end

  -- The record's text is needed only to put the message back (reading it costs a copy of the whole message).
  local entry = nil
  if op == 'abandon' then entry = redis.call('HGET', k[1], tag) end
  redis.call('ZREM', k[2], tag)
  redis.call('HDEL', k[1], tag)
  redis.call('SREM', k[5], tag)
  local sha = nil
  if kind == 'r' then
    local meta = redis.call('HGET', k[3], tag)
    redis.call('HDEL', k[3], tag)
    if meta then sha = cjson.decode(meta)['s'] end
  end

  if op == 'abandon' then
    -- To the back of its list, as kombu's reject with requeue does; the delivery count stays.
    if entry then
      local message = entry
      if kind == 'k' then message = first_element(entry) end
      if message then redis.call('LPUSH', k[8], message) end
    end
    return 1
  end

  if sha then redis.call('HDEL', k[4], sha) end
  if op == 'deadletter' then
    local seq = redis.call('INCR', k[7])
    redis.call('RPUSH', k[6], '{"seq":' .. seq .. ',' .. string.sub(a[5], 2))
  end
  return 1
end

local results = {}
for i = 0, #KEYS / 8 - 1 do
  results[i + 1] = settle({ unpack(KEYS, 8 * i + 1, 8 * i + 8) }, { unpack(ARGV, 5 * i + 1, 5 * i + 5) })
end
return results
