"""The server-side scripts of live session state in Redis (`redis_live`): an update, an end, a seed.

`UPDATE_SCRIPT` mirrors `apply.apply` line by line (stream/tests/test_live_state.py applies the same updates
through both and compares every field of `apply.WRITTEN_FIELDS`).
"""

# KEYS: session hash, seen index, and the bearer token's cached check (when the owner is not known yet). ARGV: now,
# owner id ('' = any, or known from the token), metrics JSON, idle timeout, checkpoint interval, controls checked
# ('1'), controls period, hash TTL, position slack, session id. Answers the outcome, the token's user and staff flag
# (when it checked one), then the session's fields.
UPDATE_SCRIPT = """
local h = KEYS[1]
local now = tonumber(ARGV[1])
local owner = ARGV[2]
local staff = ''
if KEYS[3] then
  -- The bearer token's cached check (user|staff|expiry): none, or expired, is the database's to answer.
  local cached = redis.call('GET', KEYS[3])
  if not cached then return {'token'} end
  local expiry
  owner, staff, expiry = string.match(cached, '^([^|]*)|([^|]*)|([^|]*)$')
  if expiry ~= '' and tonumber(expiry) < now then return {'token'} end
end
local raw = redis.call('HGETALL', h)
if #raw == 0 then return {'missing', owner, staff} end
local s = {}
for i = 1, #raw, 2 do s[raw[i]] = raw[i + 1] end
local m = cjson.decode(ARGV[3])
local idle, every = tonumber(ARGV[4]), tonumber(ARGV[5])
local function given(v) if v == nil or v == cjson.null then return nil end return v end
local function num(v) if v == nil or v == '' then return nil end return tonumber(v) end
local function fmt(v) if v == nil then return '' end return string.format('%.17g', v) end
if owner ~= '' and s.user_id ~= owner then return {'owner', owner, staff, unpack(raw)} end
if s.status ~= 'active' then return {'ended', owner, staff, unpack(raw)} end
local last = tonumber(s.last_sequence)
local seq = given(m.sequence)
if seq == nil then seq = last + 1 end
if seq <= last then return {'stale', owner, staff, unpack(raw)} end
local pos, dur = given(m.position_s), given(m.duration_s)
if dur == nil or dur == 0 then dur = num(s.duration_s) end
if pos ~= nil and dur ~= nil and dur ~= 0 and pos > dur + tonumber(ARGV[9]) then
  return {'position', owner, staff, unpack(raw)}
end
local seen = tonumber(s.last_seen_at)
local period = tonumber(ARGV[7])
if ARGV[6] ~= '1' and math.floor(now / period) ~= math.floor(seen / period) then
  return {'controls', owner, staff, unpack(raw)}
end
-- apply.account_interval: the time since the last update counts for the state the player was in.
local secs = math.min(math.max(now - seen, 0), idle)
local started = s.first_frame_at ~= ''
if s.state == 'playing' then
  s.watch_time_s = fmt(tonumber(s.watch_time_s) + secs)
  local br = num(s.bitrate_kbps)
  if br ~= nil and br ~= 0 then
    s.bitrate_time_kbps_s = fmt(tonumber(s.bitrate_time_kbps_s) + br * secs)
    s.bitrate_time_s = fmt(tonumber(s.bitrate_time_s) + secs)
  end
elseif s.state == 'rebuffering' and started then
  s.rebuffer_duration_s = fmt(tonumber(s.rebuffer_duration_s) + secs)
end
-- apply.apply
local previous = s.state
local state = given(m.state)
local rebuffer = given(m.rebuffer)
if state == nil and rebuffer == 'start' then state = 'rebuffering'
elseif state == nil and rebuffer == 'end' then state = 'playing' end
if given(m.fatal_error) then state = 'error'; s.fatal_error = '1' end
local code = given(m.error_code)
if code ~= nil and code ~= '' then s.error_code = code end
if state ~= nil then s.state = state end
local startup = given(m.startup_time_ms)
if s.state == 'playing' and s.first_frame_at == '' then
  s.first_frame_at = fmt(now)
  if startup == nil then startup = (now - tonumber(s.started_at)) * 1000 end
  s.startup_time_ms = fmt(startup)
elseif given(m.startup_time_ms) ~= nil and s.first_frame_at ~= '' then
  s.startup_time_ms = fmt(given(m.startup_time_ms))
end
if s.state == 'rebuffering' and previous ~= 'rebuffering' and s.first_frame_at ~= '' then
  s.rebuffer_count = fmt(tonumber(s.rebuffer_count) + 1)
end
local bitrate = given(m.bitrate_kbps)
if bitrate ~= nil and bitrate ~= num(s.bitrate_kbps) then
  if s.bitrate_kbps ~= '' then s.rendition_switches = fmt(tonumber(s.rendition_switches) + 1) end
  s.bitrate_kbps = fmt(bitrate)
end
for _, name in ipairs({'buffer_ms', 'throughput_kbps', 'position_s', 'duration_s'}) do
  local v = given(m[name])
  if v ~= nil then s[name] = fmt(v) end
end
local dropped = given(m.dropped_frames)
if dropped ~= nil then s.dropped_frames = fmt(math.max(tonumber(s.dropped_frames), dropped)) end
s.last_seen_at = fmt(math.max(now, seen))
s.last_sequence = fmt(seq)
local due = '0'
if now - tonumber(s.checkpoint_at) >= every then s.checkpoint_at = fmt(now); due = '1' end
local out = {}
for k, v in pairs(s) do out[#out + 1] = k; out[#out + 1] = v end
redis.call('HSET', h, unpack(out))
redis.call('EXPIRE', h, tonumber(ARGV[8]))
redis.call('ZADD', KEYS[2], s.last_seen_at, ARGV[10])
-- The whole state when the row is to be written (a checkpoint, a fatal error); else what the answer shows.
if due == '1' or s.fatal_error == '1' then return {'applied', owner, staff, due, unpack(out)} end
return {'applied', owner, staff, due, 'user_id', s.user_id, 'status', s.status, 'last_sequence', s.last_sequence,
  'state', s.state, 'position_s', s.position_s, 'fatal_error', s.fatal_error}
"""

# KEYS: session hash. ARGV: idle cutoff ('' = end whatever its last update). Marks the session ended (later
# updates are refused) and answers its live values; 'busy' when it was seen since the cutoff.
END_SCRIPT = """
local raw = redis.call('HGETALL', KEYS[1])
if #raw == 0 then return {'missing'} end
local s = {}
for i = 1, #raw, 2 do s[raw[i]] = raw[i + 1] end
if ARGV[1] ~= '' and s.status == 'active' and tonumber(s.last_seen_at) >= tonumber(ARGV[1]) then return {'busy'} end
redis.call('HSET', KEYS[1], 'status', 'ended')
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
return {'ok', unpack(raw)}
"""

# KEYS: session hash, seen index. ARGV: session id, TTL, then field/value pairs. Writes the session unless it is
# there already (ARGV[3] == '1': replace it, the row being ahead of it).
SEED_SCRIPT = """
if ARGV[3] ~= '1' and redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
"""
