"""What configs/tools/gencat.py asks the C compiler about.

Each enumeration names the headers that define its members; the compiler, not
this file, supplies the values, so they are the system's own. A member is a
macro/enum name, or (name, C expression) where the value is spelled
differently from the name (a kernel value glibc hides, a byte-swapped
protocol number). Order matters for flags: decoders name members in document
order, taking a member when all of its bits are still set, so members that
cover several bits (O_TMPFILE, O_SYNC) come before their parts. A flags
enumeration's `masks` lists the fields of its value that hold one of several
values rather than bits (open's access mode: O_RDONLY, O_WRONLY, O_RDWR under
O_ACCMODE): (mask, [members]), the mask a macro or (name, C expression); its
members get mask="..." (docs/config.md) and are named by value, 0 included.

Each structure names a C type and, per field of the config's <structure>,
the C member whose offset and size the config must match; `arch: True` means
the layout differs between x86-64 and i386 and the config provides one
<structure arch="..."> per architecture. `defs` are macros defined before the
headers (NAME=VALUE: the C type as a program built with them sees it).

`only64: True` marks headers that exist for x86-64 only on this machine
(OpenSSL's configuration header is multiarch): their values are plain
library constants, the same on both architectures.
"""

FCNTL = ["fcntl.h"]
SOCK = ["sys/socket.h", "netinet/in.h", "netinet/tcp.h"]

ENUMS = {
    # ---- files.xml
    "OpenFlags": dict(inc=FCNTL, hex=True, flags=True, members=[
        "O_RDONLY", "O_WRONLY", "O_RDWR", "O_TMPFILE", "O_SYNC", "O_CREAT",
        "O_EXCL", "O_NOCTTY", "O_TRUNC", "O_APPEND", "O_NONBLOCK", "O_DSYNC",
        "O_ASYNC", "O_DIRECT",
        # glibc defines O_LARGEFILE as 0 on x86-64; the kernel's bit is this.
        ("O_LARGEFILE", "0100000"),
        "O_DIRECTORY", "O_NOFOLLOW", "O_NOATIME", "O_CLOEXEC", "O_PATH"],
        masks=[("O_ACCMODE", ["O_RDONLY", "O_WRONLY", "O_RDWR"])]),
    "AtFlags": dict(inc=FCNTL, hex=True, flags=True, members=[
        "AT_SYMLINK_NOFOLLOW", "AT_REMOVEDIR", "AT_SYMLINK_FOLLOW",
        "AT_NO_AUTOMOUNT", "AT_EMPTY_PATH"]),
    # st_mode: the file type (a value under S_IFMT, not bits) and the
    # set-id bits; the permissions are the rest
    "FileMode": dict(inc=["sys/stat.h"], hex=True, flags=True, members=[
        "S_IFSOCK", "S_IFLNK", "S_IFREG", "S_IFBLK", "S_IFDIR", "S_IFCHR",
        "S_IFIFO", "S_ISUID", "S_ISGID", "S_ISVTX"],
        masks=[("S_IFMT", ["S_IFSOCK", "S_IFLNK", "S_IFREG", "S_IFBLK", "S_IFDIR",
                           "S_IFCHR", "S_IFIFO"])]),
    "Whence": dict(inc=["unistd.h"], members=[
        "SEEK_SET", "SEEK_CUR", "SEEK_END", "SEEK_DATA", "SEEK_HOLE"]),
    "RenameFlags": dict(inc=["stdio.h"], hex=True, flags=True, members=[
        "RENAME_NOREPLACE", "RENAME_EXCHANGE", "RENAME_WHITEOUT"]),
    # preadv2/pwritev2's flags (sys/uio.h, _GNU_SOURCE)
    "RwfFlags": dict(inc=["sys/uio.h"], hex=True, flags=True, members=[
        "RWF_HIPRI", "RWF_DSYNC", "RWF_SYNC", "RWF_NOWAIT", "RWF_APPEND",
        "RWF_NOAPPEND"]),
    "DirentType": dict(inc=["dirent.h"], members=[
        "DT_UNKNOWN", "DT_FIFO", "DT_CHR", "DT_DIR", "DT_BLK", "DT_REG",
        "DT_LNK", "DT_SOCK", "DT_WHT"]),
    # ---- net.xml
    "AddressFamily": dict(inc=SOCK, members=[
        "AF_UNSPEC", "AF_UNIX", "AF_INET", "AF_AX25", "AF_IPX", "AF_APPLETALK",
        "AF_NETROM", "AF_BRIDGE", "AF_X25", "AF_INET6", "AF_ROSE", "AF_DECnet",
        "AF_KEY", "AF_NETLINK", "AF_PACKET", "AF_IRDA", "AF_PPPOX",
        "AF_LLC", "AF_IB", "AF_MPLS", "AF_CAN", "AF_TIPC", "AF_BLUETOOTH",
        "AF_ALG", "AF_NFC", "AF_VSOCK", "AF_KCM", "AF_QIPCRTR", "AF_SMC",
        "AF_XDP"]),
    # the type is a value under the kernel's SOCK_TYPE_MASK (linux/net.h, in
    # no header a program sees), SOCK_NONBLOCK and SOCK_CLOEXEC or-ed in
    "SockType": dict(inc=SOCK, hex=True, flags=True, members=[
        "SOCK_STREAM", "SOCK_DGRAM", "SOCK_RAW", "SOCK_RDM", "SOCK_SEQPACKET",
        "SOCK_DCCP", "SOCK_PACKET", "SOCK_NONBLOCK", "SOCK_CLOEXEC"],
        masks=[(("SOCK_TYPE_MASK", "0xf"), ["SOCK_STREAM", "SOCK_DGRAM", "SOCK_RAW",
                                            "SOCK_RDM", "SOCK_SEQPACKET", "SOCK_DCCP",
                                            "SOCK_PACKET"])]),
    "SockFlags": dict(inc=SOCK, hex=True, flags=True, members=[
        "SOCK_NONBLOCK", "SOCK_CLOEXEC"]),
    "AF_INET_Protocol": dict(inc=SOCK, members=[
        "IPPROTO_IP", "IPPROTO_ICMP", "IPPROTO_IGMP", "IPPROTO_IPIP",
        "IPPROTO_TCP", "IPPROTO_EGP", "IPPROTO_PUP", "IPPROTO_UDP",
        "IPPROTO_IDP", "IPPROTO_TP", "IPPROTO_DCCP", "IPPROTO_IPV6",
        "IPPROTO_RSVP", "IPPROTO_GRE", "IPPROTO_ESP", "IPPROTO_AH",
        "IPPROTO_MTP", "IPPROTO_ENCAP", "IPPROTO_PIM", "IPPROTO_COMP",
        "IPPROTO_SCTP", "IPPROTO_UDPLITE", "IPPROTO_MPLS", "IPPROTO_ETHERNET",
        "IPPROTO_RAW", "IPPROTO_MPTCP"]),
    "AF_INET6_Protocol": dict(inc=SOCK, members=[
        "IPPROTO_IP", "IPPROTO_ICMP", "IPPROTO_TCP", "IPPROTO_UDP",
        "IPPROTO_DCCP", "IPPROTO_IPV6", "IPPROTO_GRE", "IPPROTO_ESP",
        "IPPROTO_AH", "IPPROTO_ICMPV6", "IPPROTO_SCTP", "IPPROTO_UDPLITE",
        "IPPROTO_RAW", "IPPROTO_MPTCP"]),
    "AF_NETLINK_Protocol": dict(inc=["linux/netlink.h"], members=[
        "NETLINK_ROUTE", "NETLINK_UNUSED", "NETLINK_USERSOCK",
        "NETLINK_FIREWALL", "NETLINK_SOCK_DIAG", "NETLINK_NFLOG",
        "NETLINK_XFRM", "NETLINK_SELINUX", "NETLINK_ISCSI", "NETLINK_AUDIT",
        "NETLINK_FIB_LOOKUP", "NETLINK_CONNECTOR", "NETLINK_NETFILTER",
        "NETLINK_IP6_FW", "NETLINK_DNRTMSG", "NETLINK_KOBJECT_UEVENT",
        "NETLINK_GENERIC", "NETLINK_SCSITRANSPORT", "NETLINK_ECRYPTFS",
        "NETLINK_RDMA", "NETLINK_CRYPTO", "NETLINK_SMC"]),
    # packet sockets take the ethertype in network byte order
    "AF_PACKET_Protocol": dict(inc=["linux/if_ether.h"], hex=True, members=[
        ("ETH_P_ALL", "__builtin_bswap16(ETH_P_ALL)"),
        ("ETH_P_IP", "__builtin_bswap16(ETH_P_IP)"),
        ("ETH_P_ARP", "__builtin_bswap16(ETH_P_ARP)"),
        ("ETH_P_8021Q", "__builtin_bswap16(ETH_P_8021Q)"),
        ("ETH_P_IPV6", "__builtin_bswap16(ETH_P_IPV6)"),
        ("ETH_P_PAE", "__builtin_bswap16(ETH_P_PAE)")]),
    "SocketLevel": dict(inc=SOCK, members=[
        ("SOL_IP", "SOL_IP"), "SOL_SOCKET", ("SOL_TCP", "IPPROTO_TCP"),
        ("SOL_UDP", "IPPROTO_UDP"), "SOL_IPV6", "SOL_ICMPV6", "SOL_RAW",
        "SOL_PACKET", "SOL_NETLINK", "SOL_ALG", "SOL_TLS", "SOL_XDP"]),
    "SOL_SOCKET_Option": dict(inc=SOCK, members=[
        "SO_DEBUG", "SO_REUSEADDR", "SO_TYPE", "SO_ERROR", "SO_DONTROUTE",
        "SO_BROADCAST", "SO_SNDBUF", "SO_RCVBUF", "SO_KEEPALIVE",
        "SO_OOBINLINE", "SO_NO_CHECK", "SO_PRIORITY", "SO_LINGER",
        "SO_BSDCOMPAT", "SO_REUSEPORT", "SO_PASSCRED", "SO_PEERCRED",
        "SO_RCVLOWAT", "SO_SNDLOWAT", "SO_RCVTIMEO_OLD", "SO_SNDTIMEO_OLD",
        "SO_BINDTODEVICE", "SO_ATTACH_FILTER", "SO_DETACH_FILTER",
        "SO_PEERNAME", "SO_TIMESTAMP_OLD", "SO_ACCEPTCONN", "SO_PEERSEC",
        "SO_SNDBUFFORCE", "SO_RCVBUFFORCE", "SO_PASSSEC", "SO_TIMESTAMPNS_OLD",
        "SO_MARK", "SO_TIMESTAMPING_OLD", "SO_PROTOCOL", "SO_DOMAIN",
        "SO_RXQ_OVFL", "SO_WIFI_STATUS", "SO_PEEK_OFF", "SO_NOFCS",
        "SO_LOCK_FILTER", "SO_SELECT_ERR_QUEUE", "SO_BUSY_POLL",
        "SO_MAX_PACING_RATE", "SO_BPF_EXTENSIONS", "SO_INCOMING_CPU",
        "SO_ATTACH_BPF", "SO_ATTACH_REUSEPORT_CBPF",
        "SO_ATTACH_REUSEPORT_EBPF", "SO_CNX_ADVICE", "SO_MEMINFO",
        "SO_INCOMING_NAPI_ID", "SO_COOKIE", "SO_PEERGROUPS", "SO_ZEROCOPY",
        "SO_TXTIME", "SO_BINDTOIFINDEX", "SO_TIMESTAMP_NEW",
        "SO_TIMESTAMPNS_NEW", "SO_TIMESTAMPING_NEW", "SO_RCVTIMEO_NEW",
        "SO_SNDTIMEO_NEW", "SO_DETACH_REUSEPORT_BPF", "SO_PREFER_BUSY_POLL",
        "SO_BUSY_POLL_BUDGET", "SO_NETNS_COOKIE", "SO_BUF_LOCK",
        "SO_RESERVE_MEM", "SO_TXREHASH", "SO_RCVMARK"]),
    "SOL_TCP_Option": dict(inc=SOCK, members=[
        "TCP_NODELAY", "TCP_MAXSEG", "TCP_CORK", "TCP_KEEPIDLE",
        "TCP_KEEPINTVL", "TCP_KEEPCNT", "TCP_SYNCNT", "TCP_LINGER2",
        "TCP_DEFER_ACCEPT", "TCP_WINDOW_CLAMP", "TCP_INFO", "TCP_QUICKACK",
        "TCP_CONGESTION", "TCP_MD5SIG", "TCP_THIN_LINEAR_TIMEOUTS",
        "TCP_THIN_DUPACK", "TCP_USER_TIMEOUT", "TCP_REPAIR",
        "TCP_REPAIR_QUEUE", "TCP_QUEUE_SEQ", "TCP_REPAIR_OPTIONS",
        "TCP_FASTOPEN", "TCP_TIMESTAMP", "TCP_NOTSENT_LOWAT",
        "TCP_CC_INFO", "TCP_SAVE_SYN", "TCP_SAVED_SYN", "TCP_REPAIR_WINDOW",
        "TCP_FASTOPEN_CONNECT", "TCP_ULP", "TCP_MD5SIG_EXT",
        "TCP_FASTOPEN_KEY", "TCP_FASTOPEN_NO_COOKIE", "TCP_ZEROCOPY_RECEIVE",
        "TCP_INQ", "TCP_TX_DELAY"]),
    "SOL_IP_Option": dict(inc=SOCK, members=[
        "IP_TOS", "IP_TTL", "IP_HDRINCL", "IP_OPTIONS", "IP_RECVOPTS",
        "IP_RETOPTS", "IP_PKTINFO", "IP_PKTOPTIONS", "IP_MTU_DISCOVER",
        "IP_RECVERR", "IP_RECVTTL", "IP_RECVTOS", "IP_MTU", "IP_FREEBIND",
        "IP_PASSSEC", "IP_TRANSPARENT", "IP_MULTICAST_IF", "IP_MULTICAST_TTL",
        "IP_MULTICAST_LOOP", "IP_ADD_MEMBERSHIP", "IP_DROP_MEMBERSHIP",
        "IP_BIND_ADDRESS_NO_PORT", "IP_RECVFRAGSIZE"]),
    "SOL_IPV6_Option": dict(inc=SOCK, members=[
        "IPV6_ADDRFORM", "IPV6_2292PKTINFO", "IPV6_2292HOPOPTS",
        "IPV6_2292DSTOPTS", "IPV6_2292RTHDR", "IPV6_2292PKTOPTIONS",
        "IPV6_CHECKSUM", "IPV6_2292HOPLIMIT", "IPV6_NEXTHOP",
        "IPV6_AUTHHDR", "IPV6_UNICAST_HOPS", "IPV6_MULTICAST_IF",
        "IPV6_MULTICAST_HOPS", "IPV6_MULTICAST_LOOP", "IPV6_JOIN_GROUP",
        "IPV6_LEAVE_GROUP", "IPV6_ROUTER_ALERT", "IPV6_MTU_DISCOVER",
        "IPV6_MTU", "IPV6_RECVERR", "IPV6_V6ONLY", "IPV6_JOIN_ANYCAST",
        "IPV6_LEAVE_ANYCAST", "IPV6_RECVPKTINFO", "IPV6_PKTINFO",
        "IPV6_RECVHOPLIMIT", "IPV6_HOPLIMIT", "IPV6_TCLASS",
        "IPV6_RECVTCLASS", "IPV6_FREEBIND"]),
    "MsgFlags": dict(inc=SOCK, hex=True, flags=True, members=[
        "MSG_OOB", "MSG_PEEK", "MSG_DONTROUTE", "MSG_CTRUNC", "MSG_PROXY",
        "MSG_TRUNC", "MSG_DONTWAIT", "MSG_EOR", "MSG_WAITALL", "MSG_FIN",
        "MSG_SYN", "MSG_CONFIRM", "MSG_RST", "MSG_ERRQUEUE", "MSG_NOSIGNAL",
        "MSG_MORE", "MSG_WAITFORONE", "MSG_BATCH", "MSG_ZEROCOPY",
        "MSG_FASTOPEN", "MSG_CMSG_CLOEXEC"]),
    "ShutdownHow": dict(inc=SOCK, members=["SHUT_RD", "SHUT_WR", "SHUT_RDWR"]),
    "AddrInfoFlags": dict(inc=["netdb.h"], hex=True, flags=True, members=[
        "AI_PASSIVE", "AI_CANONNAME", "AI_NUMERICHOST", "AI_V4MAPPED",
        "AI_ALL", "AI_ADDRCONFIG", "AI_IDN", "AI_CANONIDN",
        "AI_NUMERICSERV"]),
    "GaiError": dict(inc=["netdb.h"], members=[
        "EAI_BADFLAGS", "EAI_NONAME", "EAI_AGAIN",
        "EAI_FAIL", "EAI_FAMILY", "EAI_SOCKTYPE", "EAI_SERVICE",
        "EAI_MEMORY", "EAI_SYSTEM", "EAI_OVERFLOW", "EAI_NODATA",
        "EAI_ADDRFAMILY", "EAI_INPROGRESS", "EAI_CANCELED", "EAI_NOTCANCELED",
        "EAI_ALLDONE", "EAI_INTR", "EAI_IDN_ENCODE"]),
    # poll()'s events and revents (short: read as UInt16); POLLMSG and
    # POLLRDHUP are _GNU_SOURCE's
    "PollEvents": dict(inc=["poll.h"], hex=True, flags=True, members=[
        "POLLIN", "POLLPRI", "POLLOUT", "POLLERR", "POLLHUP", "POLLNVAL",
        "POLLRDNORM", "POLLRDBAND", "POLLWRNORM", "POLLWRBAND", "POLLMSG",
        "POLLRDHUP"]),
    "EpollEvents": dict(inc=["sys/epoll.h"], hex=True, flags=True, members=[
        "EPOLLIN", "EPOLLPRI", "EPOLLOUT", "EPOLLERR", "EPOLLHUP",
        "EPOLLRDNORM", "EPOLLRDBAND", "EPOLLWRNORM", "EPOLLWRBAND",
        "EPOLLMSG", "EPOLLRDHUP", "EPOLLEXCLUSIVE", "EPOLLWAKEUP",
        "EPOLLONESHOT", "EPOLLET"]),
    "EpollCtlOp": dict(inc=["sys/epoll.h"], members=[
        "EPOLL_CTL_ADD", "EPOLL_CTL_DEL", "EPOLL_CTL_MOD"]),
    "EpollCreateFlags": dict(inc=["sys/epoll.h"], hex=True, flags=True,
                             members=["EPOLL_CLOEXEC"]),
    # ---- ioctl.xml
    "IoctlRequest": dict(inc=["sys/ioctl.h", "asm/termbits.h", "linux/sockios.h",
                              "linux/fs.h", "linux/random.h", "linux/input.h",
                              "linux/vt.h", "linux/kd.h"],
                         hex=True, members=[
        "TCGETS", "TCSETS", "TCSETSW", "TCSETSF", "TCGETA", "TCSETA",
        "TCSETAW", "TCSETAF", "TCSBRK", "TCXONC", "TCFLSH", "TIOCEXCL",
        "TIOCNXCL", "TIOCSCTTY", "TIOCGPGRP", "TIOCSPGRP", "TIOCOUTQ",
        "TIOCSTI", "TIOCGWINSZ", "TIOCSWINSZ", "TIOCMGET", "TIOCMBIS",
        "TIOCMBIC", "TIOCMSET", "TIOCGSOFTCAR", "TIOCSSOFTCAR", "FIONREAD",
        "TIOCLINUX", "TIOCCONS", "TIOCGSERIAL", "TIOCSSERIAL", "TIOCPKT",
        "FIONBIO", "TIOCNOTTY", "TIOCSETD", "TIOCGETD", "TCSBRKP",
        "TIOCSBRK", "TIOCCBRK", "TIOCGSID", "TCGETS2", "TCSETS2", "TCSETSW2",
        "TCSETSF2", "TIOCGRS485", "TIOCSRS485", "TIOCGPTN", "TIOCSPTLCK",
        "TIOCGDEV", "TIOCSIG", "TIOCVHANGUP", "TIOCGPKT", "TIOCGPTLCK",
        "TIOCGEXCL", "TIOCGPTPEER", "FIONCLEX", "FIOCLEX", "FIOASYNC",
        "TIOCSERCONFIG", "TIOCSERGWILD", "TIOCSERSWILD", "TIOCGLCKTRMIOS",
        "TIOCSLCKTRMIOS", "TIOCSERGSTRUCT", "TIOCSERGETLSR",
        "TIOCSERGETMULTI", "TIOCSERSETMULTI", "TIOCMIWAIT", "TIOCGICOUNT",
        "FIOQSIZE",
        "SIOCADDRT", "SIOCDELRT", "SIOCRTMSG", "SIOCGIFNAME", "SIOCSIFLINK",
        "SIOCGIFCONF", "SIOCGIFFLAGS", "SIOCSIFFLAGS", "SIOCGIFADDR",
        "SIOCSIFADDR", "SIOCGIFDSTADDR", "SIOCSIFDSTADDR", "SIOCGIFBRDADDR",
        "SIOCSIFBRDADDR", "SIOCGIFNETMASK", "SIOCSIFNETMASK",
        "SIOCGIFMETRIC", "SIOCSIFMETRIC", "SIOCGIFMEM", "SIOCSIFMEM",
        "SIOCGIFMTU", "SIOCSIFMTU", "SIOCSIFNAME", "SIOCSIFHWADDR",
        "SIOCGIFENCAP", "SIOCSIFENCAP", "SIOCGIFHWADDR", "SIOCGIFSLAVE",
        "SIOCSIFSLAVE", "SIOCADDMULTI", "SIOCDELMULTI", "SIOCGIFINDEX",
        "SIOCSIFPFLAGS", "SIOCGIFPFLAGS", "SIOCDIFADDR", "SIOCSIFHWBROADCAST",
        "SIOCGIFCOUNT", "SIOCGIFBR", "SIOCSIFBR", "SIOCGIFTXQLEN",
        "SIOCSIFTXQLEN", "SIOCETHTOOL", "SIOCGMIIPHY", "SIOCGMIIREG",
        "SIOCSMIIREG", "SIOCWANDEV", "SIOCOUTQNSD", "SIOCGSKNS",
        "SIOCDARP", "SIOCGARP", "SIOCSARP", "SIOCDRARP", "SIOCGRARP",
        "SIOCSRARP", "SIOCGIFMAP", "SIOCSIFMAP", "SIOCADDDLCI",
        "SIOCDELDLCI", "SIOCBONDENSLAVE", "SIOCBONDRELEASE",
        "SIOCBONDSETHWADDR", "SIOCBRADDBR", "SIOCBRDELBR", "SIOCBRADDIF",
        "SIOCBRDELIF", "SIOCSHWTSTAMP", "SIOCGHWTSTAMP",
        ("SIOCSPGRP", "0x8902"), ("SIOCGPGRP", "0x8904"),
        ("SIOCATMARK", "0x8905"), "SIOCGSTAMP_OLD", "SIOCGSTAMPNS_OLD",
        "FICLONE", "FICLONERANGE", "FIDEDUPERANGE", "FS_IOC_GETFSLABEL",
        "FS_IOC_SETFSLABEL", "FIFREEZE", "FITHAW", "FITRIM", "BLKROSET",
        "BLKROGET", "BLKRRPART", "BLKGETSIZE", "BLKFLSBUF", "BLKSSZGET",
        "BLKPBSZGET", "BLKDISCARD", "BLKZEROOUT",
        "RNDGETENTCNT", "RNDADDTOENTCNT", "RNDZAPENTCNT", "RNDCLEARPOOL",
        "RNDRESEEDCRNG", "EVIOCGVERSION", "EVIOCGID", "EVIOCGREP",
        "EVIOCSREP", "EVIOCGKEYCODE", "EVIOCSKEYCODE", "EVIOCGRAB",
        "EVIOCREVOKE", "EVIOCSCLOCKID", "VT_OPENQRY", "VT_GETMODE",
        "VT_SETMODE", "VT_GETSTATE", "VT_RELDISP", "VT_ACTIVATE",
        "VT_WAITACTIVE", "VT_DISALLOCATE", "KDGETMODE", "KDSETMODE",
        "KDGKBTYPE", "KDGKBMODE", "KDSKBMODE"]),
    # _IOC_DIR: the two bits at 30 (not the kernel's header names: those
    # carry no _IOC_ prefix in a form the compiler can evaluate alone)
    "IocDir": dict(inc=["asm-generic/ioctl.h"], members=[
        "_IOC_NONE", "_IOC_WRITE", "_IOC_READ",
        ("_IOC_READ_WRITE", "_IOC_READ|_IOC_WRITE")]),
    # labels for the _IOC type byte of common drivers (not header names)
    "IocType": dict(inc=["asm-generic/ioctl.h"], members=[
        ("TERMINAL_T", "'T'"), ("SOCKET_0x89", "0x89"), ("FS_f", "'f'"),
        ("BLOCK_0x12", "0x12"), ("FS_0x94", "0x94"), ("RANDOM_R", "'R'"),
        ("INPUT_E", "'E'"), ("USBDEVFS_U", "'U'"), ("DRM_d", "'d'"),
        ("KVM_0xAE", "0xAE"), ("VIDEO_V", "'V'"), ("SOUND_P", "'P'"),
        ("HIDRAW_H", "'H'"), ("LOOP_0x4C", "0x4C"), ("NBD_0xab", "0xab")]),
    # ---- proc.xml
    "Signal": dict(inc=["signal.h"], members=[
        "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT",
        "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2",
        "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT",
        "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU",
        "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR",
        "SIGSYS",
        # glibc keeps the first two real-time signals for itself (its sources
        # call them SIGCANCEL and SIGSETXID); SIGRTMIN is then 34 at run time
        ("SIGCANCEL", "__SIGRTMIN"), ("SIGSETXID", "__SIGRTMIN+1"),
        ("SIGRTMIN", "__SIGRTMIN+2"), ("SIGRTMAX", "__SIGRTMAX")]),
    # sighandler_t's special values (pointers; int-sized as numbers)
    "SigHandler": dict(inc=["signal.h"], members=[
        ("SIG_DFL", "(long)SIG_DFL"), ("SIG_IGN", "(long)SIG_IGN"),
        ("SIG_ERR", "(long)SIG_ERR")]),
    "SigactionFlags": dict(inc=["signal.h"], hex=True, flags=True, members=[
        "SA_NOCLDSTOP", "SA_NOCLDWAIT", "SA_SIGINFO", ("SA_RESTORER",
        "0x04000000"), "SA_ONSTACK", "SA_RESTART", "SA_NODEFER",
        "SA_RESETHAND"]),
    # the binding time is a value under RTLD_BINDING_MASK; RTLD_LOCAL (0)
    # names the value 0 alone (it is RTLD_GLOBAL's absence)
    "DlopenFlags": dict(inc=["dlfcn.h"], hex=True, flags=True, members=[
        "RTLD_LOCAL", "RTLD_LAZY", "RTLD_NOW", "RTLD_NOLOAD", "RTLD_DEEPBIND",
        "RTLD_GLOBAL", "RTLD_NODELETE"],
        masks=[("RTLD_BINDING_MASK", ["RTLD_LAZY", "RTLD_NOW"])]),
    # ---- mem.xml
    "ProtFlags": dict(inc=["sys/mman.h"], hex=True, flags=True, members=[
        "PROT_NONE", "PROT_READ", "PROT_WRITE", "PROT_EXEC", "PROT_GROWSDOWN",
        "PROT_GROWSUP"]),
    # the mapping's type is a value under MAP_TYPE (MAP_SHARED_VALIDATE is
    # 3, neither MAP_SHARED nor MAP_PRIVATE)
    "MapFlags": dict(inc=["sys/mman.h"], hex=True, flags=True, members=[
        "MAP_SHARED", "MAP_PRIVATE", "MAP_SHARED_VALIDATE", "MAP_FIXED",
        "MAP_ANONYMOUS", "MAP_32BIT", "MAP_GROWSDOWN", "MAP_DENYWRITE",
        "MAP_EXECUTABLE", "MAP_LOCKED", "MAP_NORESERVE", "MAP_POPULATE",
        "MAP_NONBLOCK", "MAP_STACK", "MAP_HUGETLB", "MAP_SYNC",
        "MAP_FIXED_NOREPLACE"],
        masks=[("MAP_TYPE", ["MAP_SHARED", "MAP_PRIVATE", "MAP_SHARED_VALIDATE"])]),
    # ---- tls.xml (library constants)
    "SslError": dict(inc=["openssl/ssl.h"], only64=True, members=[
        "SSL_ERROR_NONE", "SSL_ERROR_SSL", "SSL_ERROR_WANT_READ",
        "SSL_ERROR_WANT_WRITE", "SSL_ERROR_WANT_X509_LOOKUP",
        "SSL_ERROR_SYSCALL", "SSL_ERROR_ZERO_RETURN",
        "SSL_ERROR_WANT_CONNECT", "SSL_ERROR_WANT_ACCEPT",
        "SSL_ERROR_WANT_ASYNC", "SSL_ERROR_WANT_ASYNC_JOB",
        "SSL_ERROR_WANT_CLIENT_HELLO_CB", "SSL_ERROR_WANT_RETRY_VERIFY"]),
    "SslShutdownState": dict(inc=["openssl/ssl.h"], only64=True, hex=True,
                             flags=True, members=[
        "SSL_SENT_SHUTDOWN", "SSL_RECEIVED_SHUTDOWN"]),
    "GnutlsError": dict(inc=["gnutls/gnutls.h"], members=[
        "GNUTLS_E_SUCCESS", "GNUTLS_E_UNKNOWN_COMPRESSION_ALGORITHM",
        "GNUTLS_E_UNKNOWN_CIPHER_TYPE", "GNUTLS_E_LARGE_PACKET",
        "GNUTLS_E_UNSUPPORTED_VERSION_PACKET",
        "GNUTLS_E_UNEXPECTED_PACKET_LENGTH",
        "GNUTLS_E_INVALID_SESSION", "GNUTLS_E_FATAL_ALERT_RECEIVED",
        "GNUTLS_E_UNEXPECTED_PACKET", "GNUTLS_E_WARNING_ALERT_RECEIVED",
        "GNUTLS_E_ERROR_IN_FINISHED_PACKET",
        "GNUTLS_E_UNEXPECTED_HANDSHAKE_PACKET",
        "GNUTLS_E_DECRYPTION_FAILED", "GNUTLS_E_MEMORY_ERROR",
        "GNUTLS_E_DECOMPRESSION_FAILED", "GNUTLS_E_COMPRESSION_FAILED",
        "GNUTLS_E_AGAIN", "GNUTLS_E_EXPIRED", "GNUTLS_E_DB_ERROR",
        "GNUTLS_E_INSUFFICIENT_CREDENTIALS", "GNUTLS_E_HASH_FAILED",
        "GNUTLS_E_BASE64_DECODING_ERROR", "GNUTLS_E_REHANDSHAKE",
        "GNUTLS_E_GOT_APPLICATION_DATA", "GNUTLS_E_RECORD_LIMIT_REACHED",
        "GNUTLS_E_ENCRYPTION_FAILED", "GNUTLS_E_PK_ENCRYPTION_FAILED",
        "GNUTLS_E_PK_DECRYPTION_FAILED", "GNUTLS_E_PK_SIGN_FAILED",
        "GNUTLS_E_X509_UNSUPPORTED_CRITICAL_EXTENSION",
        "GNUTLS_E_KEY_USAGE_VIOLATION", "GNUTLS_E_NO_CERTIFICATE_FOUND",
        "GNUTLS_E_INVALID_REQUEST", "GNUTLS_E_SHORT_MEMORY_BUFFER",
        "GNUTLS_E_INTERRUPTED", "GNUTLS_E_PUSH_ERROR", "GNUTLS_E_PULL_ERROR",
        "GNUTLS_E_RECEIVED_ILLEGAL_PARAMETER",
        "GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE",
        "GNUTLS_E_FILE_ERROR", "GNUTLS_E_UNKNOWN_PK_ALGORITHM",
        "GNUTLS_E_PREMATURE_TERMINATION", "GNUTLS_E_CERTIFICATE_ERROR",
        "GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR",
        "GNUTLS_E_NO_CIPHER_SUITES", "GNUTLS_E_UNKNOWN_CIPHER_SUITE",
        "GNUTLS_E_UNSUPPORTED_CERTIFICATE_TYPE", "GNUTLS_E_TIMEDOUT",
        "GNUTLS_E_UNRECOGNIZED_NAME", "GNUTLS_E_NO_APPLICATION_PROTOCOL",
        "GNUTLS_E_INAPPROPRIATE_FALLBACK", "GNUTLS_E_SESSION_EOF",
        "GNUTLS_E_RECEIVED_DISALLOWED_NAME", "GNUTLS_E_INTERNAL_ERROR",
        "GNUTLS_E_UNAVAILABLE_DURING_HANDSHAKE"]),
    "GnutlsCloseRequest": dict(inc=["gnutls/gnutls.h"], members=[
        "GNUTLS_SHUT_RDWR", "GNUTLS_SHUT_WR"]),
    # ---- zlib.xml
    "ZResult": dict(inc=["zlib.h"], members=[
        "Z_OK", "Z_STREAM_END", "Z_NEED_DICT", "Z_ERRNO", "Z_STREAM_ERROR",
        "Z_DATA_ERROR", "Z_MEM_ERROR", "Z_BUF_ERROR", "Z_VERSION_ERROR"]),
    "ZFlush": dict(inc=["zlib.h"], members=[
        "Z_NO_FLUSH", "Z_PARTIAL_FLUSH", "Z_SYNC_FLUSH", "Z_FULL_FLUSH",
        "Z_FINISH", "Z_BLOCK", "Z_TREES"]),
    "ZStrategy": dict(inc=["zlib.h"], members=[
        "Z_DEFAULT_STRATEGY", "Z_FILTERED", "Z_HUFFMAN_ONLY", "Z_RLE",
        "Z_FIXED"]),
    "ZMethod": dict(inc=["zlib.h"], members=["Z_DEFLATED"]),
    # ---- sqlite.xml
    "SqliteResult": dict(inc=["sqlite3.h"], members=[
        "SQLITE_OK", "SQLITE_ERROR", "SQLITE_INTERNAL", "SQLITE_PERM",
        "SQLITE_ABORT", "SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_NOMEM",
        "SQLITE_READONLY", "SQLITE_INTERRUPT", "SQLITE_IOERR",
        "SQLITE_CORRUPT", "SQLITE_NOTFOUND", "SQLITE_FULL",
        "SQLITE_CANTOPEN", "SQLITE_PROTOCOL", "SQLITE_EMPTY",
        "SQLITE_SCHEMA", "SQLITE_TOOBIG", "SQLITE_CONSTRAINT",
        "SQLITE_MISMATCH", "SQLITE_MISUSE", "SQLITE_NOLFS", "SQLITE_AUTH",
        "SQLITE_FORMAT", "SQLITE_RANGE", "SQLITE_NOTADB", "SQLITE_NOTICE",
        "SQLITE_WARNING", "SQLITE_ROW", "SQLITE_DONE",
        "SQLITE_ERROR_MISSING_COLLSEQ", "SQLITE_ERROR_RETRY",
        "SQLITE_ERROR_SNAPSHOT", "SQLITE_IOERR_READ",
        "SQLITE_IOERR_SHORT_READ", "SQLITE_IOERR_WRITE",
        "SQLITE_IOERR_FSYNC", "SQLITE_LOCKED_SHAREDCACHE",
        "SQLITE_BUSY_RECOVERY", "SQLITE_BUSY_SNAPSHOT", "SQLITE_BUSY_TIMEOUT",
        "SQLITE_CANTOPEN_NOTEMPDIR", "SQLITE_CANTOPEN_ISDIR",
        "SQLITE_CANTOPEN_FULLPATH", "SQLITE_READONLY_RECOVERY",
        "SQLITE_READONLY_CANTLOCK", "SQLITE_READONLY_ROLLBACK",
        "SQLITE_READONLY_DBMOVED", "SQLITE_READONLY_DIRECTORY",
        "SQLITE_CONSTRAINT_CHECK", "SQLITE_CONSTRAINT_FOREIGNKEY",
        "SQLITE_CONSTRAINT_NOTNULL", "SQLITE_CONSTRAINT_PRIMARYKEY",
        "SQLITE_CONSTRAINT_TRIGGER", "SQLITE_CONSTRAINT_UNIQUE",
        "SQLITE_CONSTRAINT_ROWID", "SQLITE_OK_LOAD_PERMANENTLY"]),
    "SqliteOpenFlags": dict(inc=["sqlite3.h"], hex=True, flags=True, members=[
        "SQLITE_OPEN_READONLY", "SQLITE_OPEN_READWRITE", "SQLITE_OPEN_CREATE",
        "SQLITE_OPEN_DELETEONCLOSE", "SQLITE_OPEN_EXCLUSIVE",
        "SQLITE_OPEN_AUTOPROXY", "SQLITE_OPEN_URI", "SQLITE_OPEN_MEMORY",
        "SQLITE_OPEN_MAIN_DB", "SQLITE_OPEN_TEMP_DB",
        "SQLITE_OPEN_TRANSIENT_DB", "SQLITE_OPEN_MAIN_JOURNAL",
        "SQLITE_OPEN_TEMP_JOURNAL", "SQLITE_OPEN_SUBJOURNAL",
        "SQLITE_OPEN_SUPER_JOURNAL", "SQLITE_OPEN_NOMUTEX",
        "SQLITE_OPEN_FULLMUTEX", "SQLITE_OPEN_SHAREDCACHE",
        "SQLITE_OPEN_PRIVATECACHE", "SQLITE_OPEN_WAL", "SQLITE_OPEN_NOFOLLOW",
        "SQLITE_OPEN_EXRESCODE"]),
    "SqlitePrepareFlags": dict(inc=["sqlite3.h"], hex=True, flags=True,
                               members=[
        "SQLITE_PREPARE_PERSISTENT", "SQLITE_PREPARE_NORMALIZE",
        "SQLITE_PREPARE_NO_VTAB"]),
    # ---- usb.xml
    "LibusbError": dict(inc=["libusb-1.0/libusb.h"], members=[
        "LIBUSB_SUCCESS", "LIBUSB_ERROR_IO", "LIBUSB_ERROR_INVALID_PARAM",
        "LIBUSB_ERROR_ACCESS", "LIBUSB_ERROR_NO_DEVICE",
        "LIBUSB_ERROR_NOT_FOUND", "LIBUSB_ERROR_BUSY", "LIBUSB_ERROR_TIMEOUT",
        "LIBUSB_ERROR_OVERFLOW", "LIBUSB_ERROR_PIPE",
        "LIBUSB_ERROR_INTERRUPTED", "LIBUSB_ERROR_NO_MEM",
        "LIBUSB_ERROR_NOT_SUPPORTED", "LIBUSB_ERROR_OTHER"]),
    "LibusbClassCode": dict(inc=["libusb-1.0/libusb.h"], members=[
        "LIBUSB_CLASS_PER_INTERFACE", "LIBUSB_CLASS_AUDIO",
        "LIBUSB_CLASS_COMM", "LIBUSB_CLASS_HID", "LIBUSB_CLASS_PHYSICAL",
        "LIBUSB_CLASS_IMAGE", "LIBUSB_CLASS_PRINTER",
        "LIBUSB_CLASS_MASS_STORAGE", "LIBUSB_CLASS_HUB", "LIBUSB_CLASS_DATA",
        "LIBUSB_CLASS_SMART_CARD", "LIBUSB_CLASS_CONTENT_SECURITY",
        "LIBUSB_CLASS_VIDEO", "LIBUSB_CLASS_PERSONAL_HEALTHCARE",
        "LIBUSB_CLASS_DIAGNOSTIC_DEVICE", "LIBUSB_CLASS_WIRELESS",
        "LIBUSB_CLASS_MISCELLANEOUS", "LIBUSB_CLASS_APPLICATION",
        "LIBUSB_CLASS_VENDOR_SPEC"]),
}

STAT_FIELDS = {
    "st_dev": "st_dev", "st_ino": "st_ino", "st_mode": "st_mode",
    "st_nlink": "st_nlink", "st_uid": "st_uid", "st_gid": "st_gid",
    "st_rdev": "st_rdev", "st_size": "st_size", "st_blksize": "st_blksize",
    "st_blocks": "st_blocks", "st_atime": "st_atim.tv_sec",
    "st_mtime": "st_mtim.tv_sec", "st_ctime": "st_ctim.tv_sec",
}

# A count or a negative error code (libusb_get_device_list, gnutls_record_recv:
# the enumeration read as SSize or Int32): the error codes alone, so that a
# count of 0 shows as 0, not as LIBUSB_SUCCESS or GNUTLS_E_SUCCESS.
ENUMS["LibusbCountOrError"] = dict(inc=ENUMS["LibusbError"]["inc"], members=[
    m for m in ENUMS["LibusbError"]["members"] if m != "LIBUSB_SUCCESS"])
ENUMS["GnutlsCountOrError"] = dict(inc=ENUMS["GnutlsError"]["inc"], members=[
    m for m in ENUMS["GnutlsError"]["members"] if m != "GNUTLS_E_SUCCESS"])

STRUCTS = {
    # files.xml
    "Stat": dict(inc=["sys/stat.h"], ctype="struct stat", arch=True,
                 fields=STAT_FIELDS),
    "Stat64": dict(inc=["sys/stat.h"], ctype="struct stat64", arch=True,
                   fields=STAT_FIELDS),
    # glibc's struct __stat64_t64, what i386's __stat64_time64 & co. fill: a
    # program's struct stat with 64-bit time_t (it needs 64-bit off_t too);
    # on x86-64 struct stat itself
    "Stat64T64": dict(inc=["sys/stat.h"], ctype="struct stat", arch=True,
                      defs=["_FILE_OFFSET_BITS=64", "_TIME_BITS=64"],
                      fields=STAT_FIELDS),
    "IoVec": dict(inc=["sys/uio.h"], ctype="struct iovec", arch=True,
                  fields={"iov_base": "iov_base", "iov_len": "iov_len"}),
    "Dirent": dict(inc=["dirent.h"], ctype="struct dirent", arch=True,
                   fields={"d_ino": "d_ino", "d_off": "d_off",
                           "d_reclen": "d_reclen", "d_type": "d_type",
                           "d_name": "d_name"}),
    "Dirent64": dict(inc=["dirent.h"], ctype="struct dirent64", fields={
        "d_ino": "d_ino", "d_off": "d_off", "d_reclen": "d_reclen",
        "d_type": "d_type", "d_name": "d_name"}),
    # net.xml
    "MsgHdr": dict(inc=SOCK, ctype="struct msghdr", arch=True, fields={
        "msg_name": "msg_name", "msg_namelen": "msg_namelen",
        "msg_iov": "msg_iov", "msg_iovlen": "msg_iovlen",
        "msg_control": "msg_control", "msg_controllen": "msg_controllen",
        "msg_flags": "msg_flags"}),
    "AddrInfo": dict(inc=["netdb.h"], ctype="struct addrinfo", arch=True,
                     fields={
        "ai_flags": "ai_flags", "ai_family": "ai_family",
        "ai_socktype": "ai_socktype", "ai_protocol": "ai_protocol",
        "ai_addrlen": "ai_addrlen", "ai_addr": "ai_addr",
        "ai_canonname": "ai_canonname", "ai_next": "ai_next"}),
    "PollFd": dict(inc=["poll.h"], ctype="struct pollfd", fields={
        "fd": "fd", "events": "events", "revents": "revents"}),
    # packed on x86-64 (12 bytes, data at 4), naturally so on i386: one
    # layout, whose size the config gives (size="12"; `size: True` makes the
    # check insist on it, as an array's stride depends on it)
    "EpollEvent": dict(inc=["sys/epoll.h"], ctype="struct epoll_event",
                       size=True, fields={"events": "events", "data": "data"}),
    # select's timeout (in/out), and pselect, ppoll, epoll_pwait2's; the
    # *64 forms are what i386's __select64 & co. (a program built with
    # _TIME_BITS=64) take: on x86-64 the same as the plain ones
    "TimeVal": dict(inc=["sys/time.h"], ctype="struct timeval", arch=True,
                    fields={"tv_sec": "tv_sec", "tv_usec": "tv_usec"}),
    "TimeVal64": dict(inc=["sys/time.h"], ctype="struct timeval", arch=True,
                      defs=["_FILE_OFFSET_BITS=64", "_TIME_BITS=64"],
                      fields={"tv_sec": "tv_sec", "tv_usec": "tv_usec"}),
    "TimeSpec": dict(inc=["time.h"], ctype="struct timespec", arch=True,
                     fields={"tv_sec": "tv_sec", "tv_nsec": "tv_nsec"}),
    "TimeSpec64": dict(inc=["time.h"], ctype="struct timespec", arch=True,
                       defs=["_FILE_OFFSET_BITS=64", "_TIME_BITS=64"],
                       fields={"tv_sec": "tv_sec", "tv_nsec": "tv_nsec"}),
    # proc.xml
    "Sigaction": dict(inc=["signal.h"], ctype="struct sigaction", arch=True,
                      fields={"sa_handler": "sa_handler",
                              "sa_mask": "sa_mask", "sa_flags": "sa_flags"}),
    # zlib.xml
    "ZStream": dict(inc=["zlib.h"], ctype="z_stream", arch=True, fields={
        "next_in": "next_in", "avail_in": "avail_in", "total_in": "total_in",
        "next_out": "next_out", "avail_out": "avail_out",
        "total_out": "total_out", "msg": "msg", "data_type": "data_type",
        "adler": "adler"}),
    # usb.xml
    "LibusbDeviceDescriptor": dict(
        inc=["libusb-1.0/libusb.h"], ctype="struct libusb_device_descriptor",
        fields={f: f for f in [
            "bLength", "bDescriptorType", "bcdUSB", "bDeviceClass",
            "bDeviceSubClass", "bDeviceProtocol", "bMaxPacketSize0",
            "idVendor", "idProduct", "bcdDevice", "iManufacturer",
            "iProduct", "iSerialNumber", "bNumConfigurations"]}),
}

# ---- ioctl.xml: the size of ioctl()'s argument buffer.
# _IOC-encoded requests carry direction and size (bits 30-31, 16-29). The old
# terminal and socket requests are plain numbers (size 0): for the common
# ones the size comes from these tables, by request name, so the numbers in
# the expression are checked against the headers like everything else.
ENUMS["IoctlArgSize"] = dict(
    inc=["asm/termbits.h", "sys/ioctl.h", "net/if.h"], members=[
        ("termios", "sizeof(struct termios)"),
        ("winsize", "sizeof(struct winsize)"),
        ("int", "sizeof(int)"),
        # ifr_name and the sockaddr/flags/int/index part of the union: the
        # whole struct ifreq differs by architecture (40 or 32 bytes)
        ("ifreq_head", "IFNAMSIZ + sizeof(struct sockaddr)")])

IOCTL_LEGACY_IN = [
    ("termios", ["TCSETS", "TCSETSW", "TCSETSF"]),
    ("winsize", ["TIOCSWINSZ"]),
    ("int", ["TIOCSPGRP", "TIOCMBIS", "TIOCMBIC", "TIOCMSET", "TIOCSSOFTCAR",
             "FIONBIO", "TIOCSETD", "FIOASYNC", "SIOCSPGRP", "SIOCGIFCONF"]),
]
IOCTL_LEGACY_OUT = [
    ("termios", ["TCGETS"]),
    ("winsize", ["TIOCGWINSZ"]),
    ("int", ["TIOCGPGRP", "TIOCOUTQ", "TIOCMGET", "TIOCGSOFTCAR", "FIONREAD",
             "TIOCGETD", "TIOCGSID", "SIOCGPGRP", "SIOCATMARK", "SIOCOUTQNSD",
             "SIOCGIFCONF"]),
]
# struct ifreq requests: the name goes in, the answer comes out
IOCTL_IFREQ = [
    "SIOCGIFNAME", "SIOCGIFFLAGS", "SIOCSIFFLAGS", "SIOCGIFADDR", "SIOCSIFADDR",
    "SIOCGIFDSTADDR", "SIOCSIFDSTADDR", "SIOCGIFBRDADDR", "SIOCSIFBRDADDR",
    "SIOCGIFNETMASK", "SIOCSIFNETMASK", "SIOCGIFMETRIC", "SIOCSIFMETRIC",
    "SIOCGIFMEM", "SIOCSIFMEM", "SIOCGIFMTU", "SIOCSIFMTU", "SIOCSIFNAME",
    "SIOCSIFHWADDR", "SIOCGIFENCAP", "SIOCSIFENCAP", "SIOCGIFHWADDR",
    "SIOCGIFSLAVE", "SIOCSIFSLAVE", "SIOCADDMULTI", "SIOCDELMULTI",
    "SIOCGIFINDEX", "SIOCSIFPFLAGS", "SIOCGIFPFLAGS", "SIOCDIFADDR",
    "SIOCSIFHWBROADCAST", "SIOCGIFCOUNT", "SIOCGIFTXQLEN", "SIOCSIFTXQLEN",
    "SIOCETHTOOL", "SIOCGMIIPHY", "SIOCGMIIREG", "SIOCSMIIREG",
]
