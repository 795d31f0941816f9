package cli

// editGC sets the garbage collector for a peer edit (add, remove, enable,
// disable, set): like a status read, the process parses the configs,
// loads the hub, writes the change and exits, and nearly everything it
// allocates (the parsed configs and peers) stays live to the end, so a
// collection frees little. Measured with 5000 peers (router build, binary
// on tmpfs, 11 runs each): at GOGC=400 the edit used about a third less
// CPU (user 22 ms vs 31 ms) and its peak RSS was 0.5 MB lower (18.1 vs
// 18.7 MB: the collector's own work buffers and the heap it grows while
// marking cost more than the little it frees). Measured again once an
// edit allocated about 6 MB at 5000 peers (40 edits each): GOGC=100 took
// 5% more CPU and peaked 0.5 MB higher; a memory limit (GOMEMLIMIT 8 or
// 10 MiB, below or near what is live) made the collector run again and
// again, for 2 to 2.5 times the CPU and a higher peak. With 10 peers the
// first collection never comes either way. A GOGC from the environment
// wins.
func editGC() { relaxGC() }
