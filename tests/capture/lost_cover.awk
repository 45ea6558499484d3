# Reads `ospy show` of a capture whose program numbers its calls in each
# thread (capture-target's ospy_test_add(THREAD, I): b = I, 0, 1, 2...)
# and checks that every gap in a thread's numbers is counted by that
# thread's Lost records that come before the call after the gap: a Lost
# record goes where its events were dropped, so a capture cut short holds
# the count of every gap before its last call. Prints one line per gap not
# so covered, then "gaps N lost M" (M: events counted lost in all); exits 1
# when a gap is not covered or a call comes out of order.
function num(s,  n, i) {
  s = tolower(s)
  if (s !~ /^0x/)
    return s + 0
  n = 0
  for (i = 3; i <= length(s); i++)
    n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
  return n
}
# [pid] or [pid:tid]: the thread
function thread(line,  t) {
  match(line, /\[[0-9:]+\]/)
  t = substr(line, RSTART + 1, RLENGTH - 2)
  sub(/.*:/, "", t)
  return t
}
/--- lost [0-9]+ events? of thread/ {
  t = thread($0)
  match($0, /--- lost [0-9]+/)
  n = substr($0, RSTART + 9, RLENGTH - 9) + 0
  credit[t] += n
  lost += n
  next
}
/!ospy_test_add\(/ {
  t = thread($0)
  # (b=I from libospytest.so's DWARF, arg1=0x.. when raw)
  if (match($0, /[(, ]b=[0-9a-fx]+/))
    i = num(substr($0, RSTART + 3, RLENGTH - 3))
  else if (match($0, /arg1=[0-9a-fx]+/))
    i = num(substr($0, RSTART + 5, RLENGTH - 5))
  want = (t in last) ? last[t] + 1 : 0
  if (i < want) {
    print "thread " t ": call " i " after call " last[t]
    bad = 1
  } else if (i > want) {
    gaps++
    if (credit[t] < i - want) {
      print "thread " t ": calls " want ".." i - 1 " missing before call " i ", " credit[t] + 0 \
        " counted lost before it"
      bad = 1
      credit[t] = 0
    } else {
      credit[t] -= i - want
    }
  }
  last[t] = i
}
END {
  print "gaps " gaps + 0 " lost " lost + 0
  exit bad
}
