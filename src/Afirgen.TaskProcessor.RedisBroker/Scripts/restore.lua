-- Restores unacknowledged messages older than the visibility timeout to their queues, under kombu's
-- unacked_mutex so that it never overlaps a Celery worker's restore_visible (which holds the same mutex).
-- Like kombu's restore, a message goes back to the front of its list; unlike it, to its own priority list.
-- KEYS: 1 unacked, 2 unacked_index, 3 unacked_mutex, 4 raw, 5 raw index, 6 raw meta.
-- ARGV: 1 ceiling (Unix seconds), 2 limit, 3 mutex token, 4 mutex expiry (ms), 5 prefix, 6 separator,
--       7 priority steps, 8 binding prefix.
-- Returns how many messages were restored, or -1 when another worker holds the mutex.
if not redis.call('SET', KEYS[3], ARGV[3], 'NX', 'PX', ARGV[4]) then return -1 end
local prefix, sep = ARGV[5], ARGV[6]
local steps = parse_steps(ARGV[7])
local restored = 0

for _, tag in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))) do
  local entry = redis.call('HGET', KEYS[1], tag)
  redis.call('ZREM', KEYS[2], tag)
  redis.call('HDEL', KEYS[1], tag)
  if entry then
    local ok, record = pcall(cjson.decode, entry)
    local message = first_element(entry)
    if ok and type(record) == 'table' and type(record[1]) == 'table' and message and type(record[3]) == 'string' then
      local props = record[1]['properties']
      local priority = 0
      if type(props) == 'table' then priority = props['priority'] end
      local step = step_for(priority, steps)
      for _, queue in ipairs(lookup(ARGV[8], sep, record[2], record[3])) do
        redis.call('RPUSH', list_key(prefix, queue, sep, step), message)
      end
      restored = restored + 1
    else
      -- Unreadable (not written by kombu or by us): kept aside, never silently dropped.
      redis.call('RPUSH', prefix .. '_afirgen.unrestorable', entry)
    end
  end
end

for _, tag in ipairs(redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))) do
  local item = redis.call('HGET', KEYS[4], tag)
  local meta = redis.call('HGET', KEYS[6], tag)
  redis.call('ZREM', KEYS[5], tag)
  redis.call('HDEL', KEYS[4], tag)
  redis.call('HDEL', KEYS[6], tag)
  if item and meta then
    redis.call('RPUSH', cjson.decode(meta)['l'], item)
    restored = restored + 1
  end
end

if redis.call('GET', KEYS[3]) == ARGV[3] then redis.call('DEL', KEYS[3]) end
return restored
