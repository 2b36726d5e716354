-- Lua patterns, run by PatternTests through gizmolua's own matcher (match.c) and
-- compared with what Lua 5.4.4's string library answers (stock-5.4.4.txt).
local out = {}
local function show(...) local t = table.pack(...) for i=1,t.n do t[i]=tostring(t[i]) end return table.concat(t, ',', 1, t.n) end
local cases = {
 {'hello world', 'o w'}, {'hello world', 'l+'}, {'hello', '^h(.-)o$'}, {'  x = 10  ', '^%s*(%w+)%s*=%s*(%d+)'},
 {'THE (quick) fox', '%((%a+)%)'}, {'f(a(b)c)d', '%b()'}, {'THE (quick) fox', '%f[%a]%a+'}, {'abc', '()b()'},
 {'aaa', 'a-'}, {'aaa', 'a-$'}, {'abab', '(ab)%1'}, {'x$y', '$y'}, {'a.b', '%.'}, {'a]b', '[]]'}, {'a-b', '[a-]'},
 {'hello', ''}, {'', ''}, {'', 'x*'}, {'abc', '[^a]+'}, {'ABCdef', '%u+'}, {'a\0b', 'a%zb'}, {'a\0b', '\0'},
 {'key=val; k2=v2', '(%w+)=(%w+)'}, {'abc', 'b', -1}, {'abc', 'b', -2}, {'abc', 'b', 10}, {'abc', '', 4}, {'abc','',5},
 {'one two  three', '%S+'}, {'[[x]]', '%[(.-)%]'}, {'1.5e10', '^[+-]?%d+%.?%d*[eE]?[+-]?%d*$'}, {'abc','a?b?c?d?'},
 {'xyz', '.-y'}, {'aaab', 'a*b'}, {'ab', '(a)(b)()'}, {'x', '[%a_][%w_]*'}, {'hello.world', '[^.]+$'},
}
for _, c in ipairs(cases) do
  out[#out+1] = show(pcall(string.find, c[1], c[2], c[3]))
  out[#out+1] = show(pcall(string.find, c[1], c[2], c[3], true))
  out[#out+1] = show(pcall(string.match, c[1], c[2], c[3]))
  local ok, r, n = pcall(string.gsub, c[1], c[2], '<%0>') out[#out+1] = show(ok, r, n)
  ok, r, n = pcall(string.gsub, c[1], c[2], function(x) return type(x) == "string" and x:upper() end) out[#out+1] = show(ok, r, n)
  ok, r, n = pcall(string.gsub, c[1], c[2], {hello='HI', o='0'}) out[#out+1] = show(ok, r, n)
  ok, r, n = pcall(string.gsub, c[1], c[2], '%1', 2) out[#out+1] = show(ok, r, n)
  local ok2, it = pcall(string.gmatch, c[1], c[2], c[3]) local parts = {}
  if ok2 then local ok3, e = pcall(function() for a, b in it do parts[#parts+1] = show(a, b) if #parts > 20 then break end end end) parts[#parts+1]=tostring(ok3)..tostring(e) end
  out[#out+1] = table.concat(parts, '|')
end
for _, bad in ipairs({'%', '[a', '(()', 'a)', '%b', '%f', '%fa', '%1', '(a)%2', '%g+', '[%a-z]+', '[a-%%]+', '((((((((((((((((((((((((((((((((((a))))))))))))))))))))))))))))))))))'}) do
  out[#out+1] = show(pcall(string.find, 'abc%[(a)z', bad))
  out[#out+1] = show(pcall(string.gsub, 'abc', 'b', '%2'))
end
out[#out+1] = show(pcall(string.gsub, 'abc', '', '-'))
out[#out+1] = show(pcall(string.gsub, 'abc', 'x*', '-'))
out[#out+1] = show(pcall(string.gsub, 'hello world', '%w+', '%0 %0', 1))
out[#out+1] = show(pcall(string.gsub, 'abc', '^a', 'X'))
out[#out+1] = show(pcall(string.gsub, 'abc', '.', {a=1, b=true}))
out[#out+1] = show(pcall(string.gsub, 'abc', '.', '%'))
out[#out+1] = show(pcall(string.gsub, 'abc', '(b)', '[%1%%]'))
out[#out+1] = show(pcall(string.gsub, 'abc', '()b', '%1'))
local t = {} for k, v in string.gmatch('a=1, b=2', '(%w+)=(%w+)') do t[#t+1]=k..v end out[#out+1]=table.concat(t)
t = {} for w in string.gmatch('abc', '') do t[#t+1]='['..w..']' end out[#out+1]=table.concat(t)
t = {} for w in string.gmatch('hello world from lua', '%a+', 7) do t[#t+1]=w end out[#out+1]=table.concat(t, ' ')
t = {} for w in string.gmatch('abc', 'x*') do t[#t+1]='['..w..']' end out[#out+1]=table.concat(t)
return table.concat(out, '\n')
