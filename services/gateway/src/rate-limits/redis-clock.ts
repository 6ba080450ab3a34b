/**
 * Lua that sets `now` to Redis's clock in ms. Every replica counts against the same clock this way;
 * the fragments below that read `now` follow it in a script.
 */
export const REDIS_NOW_LUA = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
`;
