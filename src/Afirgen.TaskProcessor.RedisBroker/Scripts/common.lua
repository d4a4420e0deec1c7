-- Shared by every script (prepended to each). Messages are never decoded and re-encoded for writing:
-- Redis's cjson turns [] into {} and rounds numbers to 14 digits, and kombu and Celery must read back
-- exactly what their producer wrote. cjson only validates and reads; text is cut and spliced.

-- The index of the closing quote of the JSON string opening at i.
local function string_end(s, i)
  local j = i + 1
  while true do
    local k = string.find(s, '["\\]', j)
    if not k then return nil end
    if string.byte(s, k) == 92 then j = k + 2 else return k end
  end
end

-- The index of the last character of the JSON value starting at i (string.find jumps, so long strings
-- such as a base64 body cost C speed, not a Lua loop per byte).
local function value_end(s, i)
  local c = string.byte(s, i)
  if c == 34 then return string_end(s, i) end
  if c ~= 123 and c ~= 91 then
    local k = string.find(s, '[,%]}%s]', i)
    return (k or (#s + 1)) - 1
  end
  local depth = 0
  local j = i
  while true do
    local k = string.find(s, '["{}%[%]]', j)
    if not k then return nil end
    local b = string.byte(s, k)
    if b == 34 then
      local e = string_end(s, k)
      if not e then return nil end
      j = e + 1
    else
      if b == 123 or b == 91 then depth = depth + 1 else depth = depth - 1 end
      if depth == 0 then return k end
      j = k + 1
    end
  end
end

-- The index of the '{' that opens the top-level "headers" object of an envelope, or nil.
local function headers_open(s)
  local i = string.find(s, '^%s*{')
  if not i then return nil end
  local j = string.find(s, '{', i, true) + 1
  while true do
    local k = string.find(s, '%S', j)
    if not k or string.byte(s, k) ~= 34 then return nil end
    local ke = string_end(s, k)
    if not ke then return nil end
    local c = string.find(s, '%S', ke + 1)
    if not c or string.byte(s, c) ~= 58 then return nil end
    local v = string.find(s, '%S', c + 1)
    if not v then return nil end
    if string.sub(s, k, ke) == '"headers"' then
      if string.byte(s, v) == 123 then return v end
      return nil
    end
    local ve = value_end(s, v)
    if not ve then return nil end
    local n = string.find(s, '%S', ve + 1)
    if not n or string.byte(s, n) ~= 44 then return nil end
    j = n + 1
  end
end

-- headers_open for the text kombu's producers (and ours) write, '{"body": "…", "content-encoding": "…",
-- "content-type": "…", "headers": {', matched by two anchored finds instead of a scan key by key; any other
-- text takes the scan. The receive script runs it on every message, so it is worth its few lines.
local function kombu_headers_open(s)
  if string.sub(s, 1, 10) ~= '{"body": "' then return headers_open(s) end
  local e = string_end(s, 10)
  if not e then return nil end
  local _, b = string.find(s, '^, "content%-encoding": "[%w%-]*", "content%-type": "[%w%-%./%+]*", "headers": {', e + 1)
  if b then return b end
  return headers_open(s)
end

-- The first element of a JSON array's text (an unacked entry "[message, exchange, routing_key]").
local function first_element(entry)
  local i = string.find(entry, '%S', (string.find(entry, '[', 1, true) or 0) + 1)
  if not i then return nil end
  local e = value_end(entry, i)
  if not e then return nil end
  return string.sub(entry, i, e)
end

-- kombu's list for a priority: clamp to 0..9, then the highest step at or below it.
local function step_for(priority, steps)
  local p = tonumber(priority) or 0
  p = math.floor(p)
  if p < 0 then p = 0 elseif p > 9 then p = 9 end
  local chosen = steps[1]
  for _, s in ipairs(steps) do
    if s <= p then chosen = s end
  end
  return chosen
end

local function list_key(prefix, queue, sep, step)
  if step == 0 then return prefix .. queue end
  return prefix .. queue .. sep .. step
end

local function parse_steps(csv)
  local steps = {}
  for n in string.gmatch(csv, '%d+') do table.insert(steps, tonumber(n)) end
  return steps
end

-- kombu's _lookup for a restore: the anonymous exchange routes by queue name; any other exchange through
-- its _kombu.binding set (direct match on the routing key). Where no binding matches, kombu would route to
-- its 'ae.undeliver' queue, which nobody consumes; we keep the message in the queue its routing key names.
local function lookup(binding_prefix, sep, exchange, routing_key)
  if type(exchange) ~= 'string' or exchange == '' then return { routing_key } end
  local found = {}
  for _, m in ipairs(redis.call('SMEMBERS', binding_prefix .. exchange)) do
    local a = string.find(m, sep, 1, true)
    local b = a and string.find(m, sep, a + #sep, true)
    if a and b and string.sub(m, 1, a - 1) == routing_key then
      table.insert(found, string.sub(m, b + #sep))
    end
  end
  if #found == 0 then return { routing_key } end
  return found
end
