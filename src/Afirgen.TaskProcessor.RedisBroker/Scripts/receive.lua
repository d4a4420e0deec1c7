-- Pops up to ARGV[1] messages of one queue and records each as unacknowledged in the same atomic step,
-- so a worker that dies between pop and record (kombu's gap) loses nothing. Due delayed messages of
-- the queue are moved to their lists first, once, by whichever worker runs this.
-- KEYS: 1 unacked, 2 unacked_index, 3 raw, 4 raw index, 5 raw meta, 6 raw seq, 7 raw deliveries,
--       8 delayed, 9 in-flight set, 10.. the queue's lists in the order to serve them.
-- ARGV: 1 max, 2 now (Unix seconds), 3 now (Unix ms), 4 queue, 5 prefix, 6 separator, 7 promote limit.
-- Returns per message: kind ('k' kombu envelope, 'r' anything else), tag, list (its place in KEYS from 10, counted
-- from 1), message, delivery count,
-- lock score, message id, opaque flag, message length. For a kombu envelope the fourth is the record written to
-- unacked, '[message, exchange, routing_key]', and the message is its message-length bytes from the second: the
-- record is built in one concatenation and not copied again for the reply (each string a script makes costs
-- about a microsecond per kilobyte). For anything else it is the message itself, and the length 0.
local max = tonumber(ARGV[1])
local queue, prefix, sep = ARGV[4], ARGV[5], ARGV[6]

local due = redis.call('ZRANGEBYSCORE', KEYS[8], '-inf', ARGV[3], 'LIMIT', 0, tonumber(ARGV[7]))
for _, member in ipairs(due) do
  local colon = string.find(member, ':', 1, true)
  local step = tonumber(string.sub(member, 1, colon - 1))
  -- Pushed before it is removed: a write refused half-way (maxmemory) leaves it in both, never in neither.
  redis.call('LPUSH', list_key(prefix, queue, sep, step), string.sub(member, colon + 1))
  redis.call('ZREM', KEYS[8], member)
end

local H = '"x-afirgen-delivery-count"'
local H_AT = '^%s*"x%-afirgen%-delivery%-count"%s*:%s*%d+'
local out = {}
local taken = 0
-- Arguments per bulk call at most: Lua unpacks a few thousand values at the most, and a large prefetch window asks more.
local BULK = 1000
-- The kombu records of one list's batch, written with one HSET, one ZADD and one SADD (a command called from a
-- script costs about as much as the Lua around it); `recorded` keeps the tags recorded but not yet written, so a tag
-- met twice in one batch is judged as HEXISTS would judge it had each been written at once.
local records, scored, members, recorded, pending_scores = {}, {}, {}, {}, {}
local function flush_records()
  if #records == 0 then return end
  redis.call('HSET', KEYS[1], unpack(records))
  redis.call('ZADD', KEYS[2], unpack(scored))
  -- Every one was scored ARGV[2]; Redis's own text of it is what settle compares, so it is read back once.
  local score = redis.call('ZSCORE', KEYS[2], scored[2])
  for _, at in ipairs(pending_scores) do out[at] = score end
  records, scored, recorded, pending_scores = {}, {}, {}, {}
end
local function flush_members()
  if #members == 0 then return end
  redis.call('SADD', KEYS[9], unpack(members))
  members = {}
end
-- Each list is read in one LRANGE rather than a RPOP per message (and one per empty list before it), and trimmed
-- only after its messages are recorded: a write refused half-way (maxmemory) leaves them in the list, not lost.
-- Nothing else runs inside a script, so what is read is exactly what the trim removes.
for li = 10, #KEYS do
  if taken >= max then break end
  local from = KEYS[li]
  local batch = redis.call('LRANGE', from, -(max - taken), -1)
  for bi = #batch, 1, -1 do
    local item = batch[bi]
    taken = taken + 1

    local kind, tag, message, count, id, opaque, message_length = 'r', nil, item, 0, nil, '0', 0
    local ok, env = pcall(cjson.decode, item)
    if ok and type(env) == 'table' and type(env['properties']) == 'table' and type(env['headers']) == 'table'
        and type(env['properties']['delivery_tag']) == 'string'
        and not recorded[env['properties']['delivery_tag']]
        and redis.call('HEXISTS', KEYS[1], env['properties']['delivery_tag']) == 0 then
      local props, headers = env['properties'], env['headers']
      local hpos = kombu_headers_open(item)
      local known = headers['x-afirgen-delivery-count']
      local first_a, first_b = nil, nil
      if hpos then
        first_a, first_b = string.find(item, H_AT, hpos + 1)
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
        local joint, rest_at = '', hpos + 1
        if first_a then
          rest_at = first_b + 1
        elseif not string.find(item, '^%s*}', hpos + 1) then
          joint = ', '
        end
        local info = props['delivery_info']
        local exchange, routing_key = '', queue
        if type(info) == 'table' then
          if type(info['exchange']) == 'string' then exchange = info['exchange'] end
          if type(info['routing_key']) == 'string' then routing_key = info['routing_key'] end
        end
        local tail = ', ' .. cjson.encode(exchange) .. ', ' .. cjson.encode(routing_key) .. ']'
        -- The record, with the message inside it (see the top): one string made, not three.
        message = '[' .. string.sub(item, 1, hpos) .. H .. ': ' .. count .. joint .. string.sub(item, rest_at) .. tail
        message_length = #message - #tail - 1
        local nr = #records
        records[nr + 1] = tag
        records[nr + 2] = message
        local ns = #scored
        scored[ns + 1] = ARGV[2]
        scored[ns + 2] = tag
        recorded[tag] = true
        if #records >= BULK then flush_records() end
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
      score = false -- filled in by flush_records
      table.insert(pending_scores, #out + 6)
    end
    table.insert(members, tag)
    if #members >= BULK then flush_members() end

    local n = #out
    out[n + 1] = kind
    out[n + 2] = tag
    out[n + 3] = li - 9
    out[n + 4] = message
    out[n + 5] = count
    out[n + 6] = score
    out[n + 7] = id
    out[n + 8] = opaque
    out[n + 9] = message_length
  end
  flush_records()
  flush_members()
  if #batch > 0 then redis.call('LTRIM', from, 0, -(#batch + 1)) end
end
return out
