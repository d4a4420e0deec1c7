-- One queue's depths. In flight counts the deliveries our workers hold that are still recorded (a Celery
-- worker's pops are not tied to a queue in kombu's records, so they are not counted here).
-- KEYS: 1 delayed, 2 in-flight set, 3 dead-letter list, 4 unacked, 5 raw, 6.. the queue's lists.
local waiting = 0
for i = 6, #KEYS do waiting = waiting + redis.call('LLEN', KEYS[i]) end
local in_flight = 0
for _, tag in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if redis.call('HEXISTS', KEYS[4], tag) == 1 or redis.call('HEXISTS', KEYS[5], tag) == 1 then
    in_flight = in_flight + 1
  else
    redis.call('SREM', KEYS[2], tag)
  end
end
return { waiting, redis.call('ZCARD', KEYS[1]), in_flight, redis.call('LLEN', KEYS[3]) }
