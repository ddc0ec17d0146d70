/*
 * The libevent I/O shell: carries out one pqnet_node's actions on real TCP
 * sockets and feeds it the events that follow (include/pqnet/node.h).
 *
 * The shell owns sockets and timers and nothing else: every protocol decision
 * stays in the sans-IO node core. What it does, action by action:
 *
 *   PQNET_ACT_DIAL   non-blocking connect, bounded by connect_timeout_ms;
 *                    pqnet_node_connected(OUTBOUND) or pqnet_node_dial_failed
 *   PQNET_ACT_SEND   copy into the connection's output buffer at once (the
 *                    action's data pointer dies at the next node call); a
 *                    peer whose queued output exceeds send_queue_max is
 *                    dropped with PQNET_REASON_SEND_QUEUE
 *   PQNET_ACT_CLOSE  stop reading into the node, flush the output, half-close
 *                    (shutdown SHUT_WR) and wait for the peer's EOF, the whole
 *                    linger bounded by close_linger_ms; then close the socket
 *                    and call pqnet_node_closed
 *   PQNET_ACT_WAKE   one timer at the earliest deadline -> pqnet_node_tick
 *   PQNET_ACT_RESOLVE every A and AAAA record of the host, asynchronously
 *                    (libevent evdns on a resolver the shell owns) ->
 *                    pqnet_node_resolved (n = 0 when the name does not
 *                    resolve; the failure is logged at warn with the reason).
 *                    A literal IPv4 or IPv6 address is answered at once,
 *                    without DNS. Names are looked up in /etc/hosts first,
 *                    then asked of dns_server if set, else of the
 *                    nameservers in /etc/resolv.conf.
 *
 * Outbound source address: when the shell listens on a specific IP (not
 * 0.0.0.0 or ::), every outbound socket is bound to that IP (port 0: the
 * kernel picks one at connect) before connecting, so peers see the address
 * this node listens on. The listener used is the first one of the dialed
 * address's family whose address is loopback exactly when the dialed one is
 * (a socket bound to 127.0.0.1 cannot reach another host); with none, the
 * kernel picks the source. cfg.source_addr overrides the choice.
 *
 * and, from the network: accepted sockets -> pqnet_node_connected(INBOUND),
 * bytes -> pqnet_node_received (at most read_max bytes per read callback),
 * EOF or error -> pqnet_node_closed, exactly once per connection the node was
 * told about. After every event delivered to the node the shell drains
 * pqnet_node_poll until it returns 0.
 *
 * Connection ids are allocated here: a 64-bit counter from 1, never reused.
 * Time is Unix milliseconds advanced monotonically (pqnet_shell_now_ms).
 *
 * Connection objects are never freed inside their own callbacks: a finished
 * connection is unlinked, marked dead and freed by a reaper event at the next
 * loop iteration (STYLE.md item 8).
 *
 * Ownership: the event_base and the node are borrowed; both must outlive the
 * shell. The shell must be deleted before the node. Callbacks of the node run
 * inside shell calls and libevent callbacks; they may call pqnet_node_send,
 * pqnet_node_disconnect and pqnet_shell_shutdown, never pqnet_shell_del.
 *
 * Name resolution: PQNET_ACT_RESOLVE never blocks. pqnet_shell_dial_host
 * (the --peer path, run once at start before the loop) does use the blocking
 * system getaddrinfo: its caller wants the answer before it returns, and
 * --peer names are resolved with the system's own configuration
 * (nsswitch, /etc/hosts), not with dns_server. pqnet_shell_shutdown cancels
 * the lookups in progress, and the shell stops only once their cancellations
 * have come back (the next loop iteration); pqnet_shell_del cancels what is
 * left and frees the resolver. A lookup cancelled by pqnet_shell_del without
 * a later loop iteration leaves libevent's request memory unfreed, so
 * shut down and run the loop before deleting the shell (pqnetd does).
 *
 * Signals: writing to a socket the peer reset raises SIGPIPE. A library must
 * not change process-wide signal dispositions, so the embedding program has to
 * ignore SIGPIPE (pqnetd does).
 *
 * Error convention: include/pqnet/error.h. PQNET_ERR_IO means an operating
 * system call or name resolution failed; the shell's log callback has the
 * detail (call, address, strerror text).
 */
#ifndef PQNET_IO_SHELL_H
#define PQNET_IO_SHELL_H

#include <stddef.h>
#include <stdint.h>

#include "pqnet/addr.h"
#include "pqnet/node.h"

struct event_base;

typedef struct pqnet_shell_config {
  uint32_t connect_timeout_ms; /* a dial not connected by then fails; default 10000 */
  uint32_t close_linger_ms;    /* bound on flushing output at CLOSE; default 2000 */
  uint32_t shutdown_grace_ms;  /* bound on pqnet_shell_shutdown's flush; default 3000 */
  size_t send_queue_max;       /* output bytes queued per peer before it is dropped; set
                                  it to the node's send_queue_max; default 8 MiB */
  size_t read_max;             /* bytes read per read callback; default 262144 */
  /* Nameserver for PQNET_ACT_RESOLVE: "IP" or "IP:PORT" (port 53 if none;
   * "[v6]:PORT" for IPv6), used alone. Empty: the nameservers of
   * /etc/resolv.conf. pqnet_shell_new checks it. */
  char dns_server[PQNET_ADDR_STRLEN];
  /* Source address of outbound sockets (port ignored). Family 0 (default):
   * derived from the listeners, see the top of this file. */
  pqnet_addr source_addr;
  /* Optional log sink: level 0 error, 1 warn, 2 info, 3 debug; one event per
   * call, msg is "text key=value ...". */
  void (*log)(void *ctx, int level, const char *msg);
  void *log_ctx;
} pqnet_shell_config;

typedef struct pqnet_shell pqnet_shell;

/* Fill cfg with the defaults above and no log sink. */
void pqnet_shell_config_default(pqnet_shell_config *cfg);

/* Unix milliseconds that never go backwards (the wall clock read once, then
 * advanced by CLOCK_MONOTONIC): the "now" of every node call the shell makes.
 * Callers that call into the node themselves should use it. Not thread-safe
 * on its very first call. */
uint64_t pqnet_shell_now_ms(void);

/* Create a shell driving node on base. cfg is copied (NULL: defaults; zero
 * fields take their defaults). Returns 0, PQNET_ERR_INVALID_ARG (base or node
 * or out NULL), PQNET_ERR_MALFORMED (dns_server is not a numeric "IP" or
 * "IP:PORT"), PQNET_ERR_NOMEM. *out is NULL on failure. The resolver itself
 * is created at the first name lookup. */
int pqnet_shell_new(struct event_base *base, pqnet_node *node, const pqnet_shell_config *cfg,
                    pqnet_shell **out);

/* Close every socket and free the shell. Connections the node knows about are
 * reported with pqnet_node_closed first (so the node must still exist); the
 * actions this produces are left in the node's queue. NULL is a no-op. */
void pqnet_shell_del(pqnet_shell *sh);

/* Listen on "HOST:PORT" ("127.0.0.1:7071", "[::1]:7071", "localhost:7071"):
 * every address the host resolves to is bound (SO_REUSEADDR, IPV6_V6ONLY for
 * IPv6). Returns 0, PQNET_ERR_INVALID_ARG (NULL), PQNET_ERR_MALFORMED (not
 * host:port, port not 1..65535), PQNET_ERR_IO (resolution, socket, bind or
 * listen failed: nothing is left listening for this string),
 * PQNET_ERR_NOMEM, PQNET_ERR_STATE (shutting down). */
int pqnet_shell_listen(pqnet_shell *sh, const char *hostport);

/* Bound listening addresses, up to max into out; returns how many there are. */
size_t pqnet_shell_listen_addrs(const pqnet_shell *sh, pqnet_addr *out, size_t max);

/* Resolve "HOST:PORT" (blocking getaddrinfo; numeric addresses never touch
 * DNS) and ask the node to dial each distinct address (pqnet_node_dial), then
 * carry the DIAL actions out. Returns 0, PQNET_ERR_INVALID_ARG (NULL),
 * PQNET_ERR_MALFORMED (not host:port), PQNET_ERR_IO (the name did not
 * resolve to any IPv4/IPv6 address), PQNET_ERR_NOMEM, PQNET_ERR_STATE
 * (shutting down). */
int pqnet_shell_dial_host(pqnet_shell *sh, const char *hostport);

/* Carry out every action the node has queued. The shell does this itself
 * after each event it delivers; call it after calling the node directly from
 * outside a node callback (pqnet_node_send, pqnet_node_dial,
 * pqnet_node_disconnect from a timer of the application), or those actions
 * wait for the next network event. Inside a node callback it does nothing:
 * the shell carries the actions out when the node call that ran the callback
 * returns. */
void pqnet_shell_flush(pqnet_shell *sh);

/* Stop politely: close the listeners, abandon dials in progress, call
 * pqnet_node_shutdown (every session gets a Disconnect), let the output flush
 * (bounded by shutdown_grace_ms), close every socket, then make the event loop
 * exit (event_base_loopexit). Idempotent. Safe inside any callback. */
void pqnet_shell_shutdown(pqnet_shell *sh);

/* 1 once pqnet_shell_shutdown finished (every socket closed). */
int pqnet_shell_stopped(const pqnet_shell *sh);

/* The node this shell drives. */
pqnet_node *pqnet_shell_node(const pqnet_shell *sh);

/* Sockets the shell holds: dialing, open and closing. */
size_t pqnet_shell_conn_count(const pqnet_shell *sh);

/* Name lookups (PQNET_ACT_RESOLVE) in progress. */
size_t pqnet_shell_resolving(const pqnet_shell *sh);

#endif /* PQNET_IO_SHELL_H */
