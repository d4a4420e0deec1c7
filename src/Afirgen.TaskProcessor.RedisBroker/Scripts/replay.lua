-- Moves one dead letter back to its queue, if it is still there (a concurrent replay or purge took it otherwise).
-- KEYS: 1 dead-letter list, 2 target list. ARGV: 1 the dead-letter entry, 2 the message to send.
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 1 then
  redis.call('LPUSH', KEYS[2], ARGV[2])
  return 1
end
return 0
