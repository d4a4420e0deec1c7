-- Pops up to ARGV[1] messages of one queue and records each as unacknowledged in the same atomic step,
-- so a worker that dies between pop and record (kombu's gap) loses nothing. Due delayed messages of
-- the queue are moved to their lists first, once, by whichever worker runs this.
-- KEYS: 1 unacked, 2 unacked_index, 3 raw, 4 raw index, 5 raw meta, 6 raw seq, 7 raw deliveries,
--       8 delayed, 9 in-flight set, 10.. the queue's lists in the order to serve them.
-- ARGV: 1 max, 2 now (Unix seconds), 3 now (Unix ms), 4 queue, 5 prefix, 6 separator, 7 promote limit.
-- Returns per message: kind ('k' kombu envelope, 'r' anything else), tag, list, message, delivery count,
-- lock score, message id, opaque flag.
local max = tonumber(ARGV[1])
local queue, prefix, sep = ARGV[4], ARGV[5], ARGV[6]

local due = redis.call('ZRANGEBYSCORE', KEYS[8], '-inf', ARGV[3], 'LIMIT', 0, tonumber(ARGV[7]))
for _, member in ipairs(due) do
  redis.call('ZREM', KEYS[8], member)
  local colon = string.find(member, ':', 1, true)
  local step = tonumber(string.sub(member, 1, colon - 1))
  redis.call('LPUSH', list_key(prefix, queue, sep, step), string.sub(member, colon + 1))
end

local H = '"x-afirgen-delivery-count"'
local H_PATTERN = '"x%-afirgen%-delivery%-count"'
local out = {}
local taken = 0
while taken < max do
  local item, from = nil, nil
  for i = 10, #KEYS do
    item = redis.call('RPOP', KEYS[i])
    if item then from = KEYS[i]; break end
  end
  if not item then break end
  taken = taken + 1

  local kind, tag, message, count, id, opaque = 'r', nil, item, 0, nil, '0'
  local ok, env = pcall(cjson.decode, item)
  if ok and type(env) == 'table' and type(env['properties']) == 'table' and type(env['headers']) == 'table'
      and type(env['properties']['delivery_tag']) == 'string'
      and redis.call('HEXISTS', KEYS[1], env['properties']['delivery_tag']) == 0 then
    local props, headers = env['properties'], env['headers']
    local hpos = headers_open(item)
    local known = headers['x-afirgen-delivery-count']
    local first_a, first_b = nil, nil
    if hpos then
      first_a, first_b = string.find(item, '^%s*' .. H_PATTERN .. '%s*:%s*%d+', hpos + 1)
    end
    -- The count is always the first header we write; elsewhere (or not a number) we cannot splice it safely.
    if hpos and (known == nil or (first_a and type(known) == 'number')) then
      kind = 'k'
      tag = props['delivery_tag']
      local previous = tonumber(known)
      if previous == nil then
        local info = props['delivery_info']
        -- kombu marks what it restores as redelivered: at least one delivery happened before.
        if headers['redelivered'] == true or (type(info) == 'table' and info['redelivered'] == true) then previous = 1 else previous = 0 end
      end
      count = previous + 1
      local rest
      if first_a then
        rest = string.sub(item, first_b + 1)
      elseif string.find(item, '^%s*}', hpos + 1) then
        rest = string.sub(item, hpos + 1)
      else
        rest = ', ' .. string.sub(item, hpos + 1)
      end
      message = string.sub(item, 1, hpos) .. H .. ': ' .. count .. rest
      local info = props['delivery_info']
      local exchange, routing_key = '', queue
      if type(info) == 'table' then
        if type(info['exchange']) == 'string' then exchange = info['exchange'] end
        if type(info['routing_key']) == 'string' then routing_key = info['routing_key'] end
      end
      redis.call('HSET', KEYS[1], tag, '[' .. message .. ', ' .. cjson.encode(exchange) .. ', ' .. cjson.encode(routing_key) .. ']')
      redis.call('ZADD', KEYS[2], ARGV[2], tag)
      if type(props['x-afirgen-message-id']) == 'string' then id = props['x-afirgen-message-id']
      elseif type(headers['id']) == 'string' then id = headers['id'] else id = tag end
      if props['x-afirgen-opaque'] == true then opaque = '1' end
    end
  end

  local score
  if kind == 'r' then
    local sha = redis.sha1hex(item)
    tag = 'afirgen-raw-' .. redis.call('INCR', KEYS[6])
    count = redis.call('HINCRBY', KEYS[7], sha, 1)
    redis.call('HSET', KEYS[3], tag, item)
    redis.call('HSET', KEYS[5], tag, cjson.encode({ l = from, s = sha }))
    redis.call('ZADD', KEYS[4], ARGV[2], tag)
    score = redis.call('ZSCORE', KEYS[4], tag)
    id = 'raw-' .. sha
  else
    score = redis.call('ZSCORE', KEYS[2], tag)
  end
  redis.call('SADD', KEYS[9], tag)

  table.insert(out, kind)
  table.insert(out, tag)
  table.insert(out, from)
  table.insert(out, message)
  table.insert(out, count)
  table.insert(out, score)
  table.insert(out, id)
  table.insert(out, opaque)
end
return out
