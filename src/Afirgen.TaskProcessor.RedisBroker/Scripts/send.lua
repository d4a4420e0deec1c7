-- Sends one message: to the back of its list now, or into the queue's delayed set until its time. A
-- message id already sent to the queue within the duplicate-detection window is dropped (as Service Bus does).
-- KEYS: 1 list or delayed set, 2 duplicate marker. ARGV: 1 message, 2 window (ms, 0 = off), 3 due (Unix ms,
-- empty = now), 4 priority step.
-- Returns 1 when sent, 0 when dropped as a duplicate.
if ARGV[2] ~= '0' then
  if not redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[2]) then return 0 end
end
if ARGV[3] == '' then
  redis.call('LPUSH', KEYS[1], ARGV[1])
else
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4] .. ':' .. ARGV[1])
end
return 1
