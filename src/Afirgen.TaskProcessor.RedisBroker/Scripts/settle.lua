-- Settles one delivery if it is still the one recorded: the index score is the delivery's lock, set when
-- it was popped or renewed; a restore followed by another pop (ours or a Celery worker's) changes it.
-- KEYS: 1 record hash (unacked or raw), 2 its index, 3 raw meta, 4 raw deliveries, 5 in-flight set,
--       6 dead-letter list, 7 dead-letter counter, 8 the list to abandon to.
-- ARGV: 1 op (complete, abandon, deadletter, renew), 2 kind, 3 tag, 4 score, 5 new score or dead-letter entry.
-- Returns 0 when the lock is lost; otherwise 1, or the new score for renew.
local op, kind, tag = ARGV[1], ARGV[2], ARGV[3]
local current = redis.call('ZSCORE', KEYS[2], tag)
if current ~= ARGV[4] then return 0 end
if op == 'renew' then
  redis.call('ZADD', KEYS[2], 'XX', ARGV[5], tag)
  return redis.call('ZSCORE', KEYS[2], tag)
end

local entry = redis.call('HGET', KEYS[1], tag)
redis.call('ZREM', KEYS[2], tag)
redis.call('HDEL', KEYS[1], tag)
redis.call('SREM', KEYS[5], tag)
local sha = nil
if kind == 'r' then
  local meta = redis.call('HGET', KEYS[3], tag)
  redis.call('HDEL', KEYS[3], tag)
  if meta then sha = cjson.decode(meta)['s'] end
end

if op == 'abandon' then
  -- To the back of its list, as kombu's reject with requeue does; the delivery count stays.
  if entry then
    local message = entry
    if kind == 'k' then message = first_element(entry) end
    if message then redis.call('LPUSH', KEYS[8], message) end
  end
  return 1
end

if sha then redis.call('HDEL', KEYS[4], sha) end
if op == 'deadletter' then
  local seq = redis.call('INCR', KEYS[7])
  redis.call('RPUSH', KEYS[6], '{"seq":' .. seq .. ',' .. string.sub(ARGV[5], 2))
end
return 1
