-- One queue's depths. In flight counts every delivery recorded for the queue: ours (the in-flight set, checked
-- against the records so a restored one no longer counts) and a Celery worker's, read from kombu's unacked
-- hash, whose entries end with the exchange and routing key kombu routes a restore by.
-- KEYS: 1 delayed, 2 in-flight set, 3 dead-letter list, 4 unacked, 5 raw, 6.. the queue's lists.
-- ARGV: 1 queue, 2 binding prefix, 3 separator, 4 most unacked entries to read.
local waiting = 0
for i = 6, #KEYS do waiting = waiting + redis.call('LLEN', KEYS[i]) end
local ours = {}
local in_flight = 0
for _, tag in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if redis.call('HEXISTS', KEYS[4], tag) == 1 or redis.call('HEXISTS', KEYS[5], tag) == 1 then
    in_flight = in_flight + 1
    ours[tag] = true
  else
    redis.call('SREM', KEYS[2], tag)
  end
end

-- A Celery worker's deliveries: bounded, since the hash holds every queue's and this runs on every statistics read.
local queue, limit = ARGV[1], tonumber(ARGV[4])
local cursor, read = '0', 0
repeat
  local page = redis.call('HSCAN', KEYS[4], cursor, 'COUNT', 200)
  cursor = page[1]
  local entries = page[2]
  for i = 1, #entries, 2 do
    local tag, entry = entries[i], entries[i + 1]
    read = read + 1
    if not ours[tag] then
      local exchange, routing_key = string.match(entry, ',%s*"([^"]*)"%s*,%s*"([^"]*)"%s*%]%s*$')
      if routing_key then
        for _, q in ipairs(lookup(ARGV[2], ARGV[3], exchange, routing_key)) do
          if q == queue then in_flight = in_flight + 1; break end
        end
      end
    end
  end
until cursor == '0' or read >= limit
return { waiting, redis.call('ZCARD', KEYS[1]), in_flight, redis.call('LLEN', KEYS[3]) }
