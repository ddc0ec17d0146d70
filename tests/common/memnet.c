#include "memnet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pqnet/sha3.h"

static void on_connected(void *ctx, const pqnet_peer_info *p) {
  memnode *m = ctx;
  m->connected++;
  m->last_conn = p->conn;
  memcpy(m->last_peer_id, p->peer_id, PQNET_PEER_ID_LEN);
}

static void on_disconnected(void *ctx, const pqnet_peer_info *p, int reason, const char *text) {
  memnode *m = ctx;
  m->disconnected++;
  m->last_reason = reason;
  m->last_conn = p->conn;
  snprintf(m->last_text, sizeof m->last_text, "%s", text);
}

static void on_hello(void *ctx, const pqnet_peer_info *p) {
  memnode *m = ctx;
  (void)p;
  m->hellos++;
}

static void on_message(void *ctx, uint64_t conn, uint16_t proto, uint8_t type, const uint8_t *body,
                       size_t len) {
  memnode *m = ctx;
  m->messages++;
  m->last_conn = conn;
  m->last_proto = proto;
  m->last_type = type;
  m->msg_bytes += len;
  m->last_msg_len = len < sizeof m->last_msg ? len : sizeof m->last_msg;
  if (len) memcpy(m->last_msg, body, m->last_msg_len);
}

/* Gossip whose payload starts with "BAD" is invalid, "IGN" ignored. */
static int on_gossip(void *ctx, uint64_t conn, uint16_t topic, const uint8_t *payload, size_t len) {
  memnode *m = ctx;
  (void)conn;
  if (len >= 3 && memcmp(payload, "BAD", 3) == 0) return PQNET_GOSSIP_INVALID;
  if (len >= 3 && memcmp(payload, "IGN", 3) == 0) return PQNET_GOSSIP_IGNORE;
  m->gossip++;
  m->last_topic = topic;
  m->last_gossip_len = len;
  return PQNET_GOSSIP_VALID;
}

static void on_log(void *ctx, int level, const char *msg) {
  memnode *m = ctx;
  if (m->verbose >= level + 1) fprintf(stderr, "[node %p L%d] %s\n", (void *)m, level, msg);
}

void memnode_init(memnode *m, uint64_t seed, const pqnet_node_config *cfg) {
  uint8_t idseed[32];
  memset(m, 0, sizeof *m);
  for (int i = 0; i < 8; i++) idseed[i] = (uint8_t)(seed >> (8 * i));
  pqnet_shake256(idseed, 32, idseed, 8);
  if (pqnet_identity_from_seed(idseed, &m->id) != 0) abort();
  pqnet_rng_det_init_u64(&m->rng, seed ^ 0x9e3779b97f4a7c15ULL);
  if (cfg)
    m->cfg = *cfg;
  else
    pqnet_node_config_default(&m->cfg);
  if (m->cfg.advertise.family) m->listen = m->cfg.advertise;
  if (getenv("MEMNET_VERBOSE")) m->verbose = atoi(getenv("MEMNET_VERBOSE"));
  pqnet_node_callbacks cb = {.ctx = m,
                             .peer_connected = on_connected,
                             .peer_disconnected = on_disconnected,
                             .message = on_message,
                             .peer_hello = on_hello,
                             .log = on_log,
                             .gossip = on_gossip};
  if (pqnet_node_new(&m->cfg, m->id, &m->rng.rng, &cb, &m->node) != 0) abort();
}

void memnode_free(memnode *m) {
  pqnet_node_del(m->node);
  pqnet_identity_del(m->id);
  pqnet_rng_det_free(&m->rng);
}

void memnet_init(memnet *net, uint64_t seed) {
  memset(net, 0, sizeof *net);
  pqnet_rng_det_init_u64(&net->chunk_rng, seed);
  net->now = 1800000000000ull; /* 2027-01-15, in Unix ms */
  net->next_conn = 1;
}

void memnet_free(memnet *net) {
  for (size_t i = 0; i < net->nlinks; i++) free(net->links[i]);
  free(net->links);
  free(net->by_conn);
  free(net->nodes);
  pqnet_rng_det_free(&net->chunk_rng);
  memset(net, 0, sizeof *net);
}

static void *grow(void *p, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return p;
  size_t c = *cap ? *cap : 16;
  while (c < need) c *= 2;
  void *q = realloc(p, c * elem);
  if (!q) abort();
  memset((char *)q + *cap * elem, 0, (c - *cap) * elem);
  *cap = c;
  return q;
}

void memnet_add(memnet *net, memnode *m) {
  net->nodes = grow(net->nodes, &net->cap_nodes, net->nnodes + 1, sizeof *net->nodes);
  net->nodes[net->nnodes++] = m;
}

pqnet_addr memnet_addr(unsigned k) {
  pqnet_addr a;
  memset(&a, 0, sizeof a);
  a.family = 4;
  a.ip[0] = 127;
  a.ip[1] = (uint8_t)k; /* its own /16 group for k < 256 */
  a.ip[2] = (uint8_t)(k >> 8);
  a.ip[3] = 1;
  a.port = 7071;
  return a;
}

void memnet_dns(memnet *net, const char *host, const pqnet_addr *addrs, size_t n) {
  if (net->ndns >= 8 || n > 8) abort();
  memdns *d = &net->dns[net->ndns++];
  snprintf(d->host, sizeof d->host, "%s", host);
  memcpy(d->addrs, addrs, n * sizeof *addrs);
  d->n = n;
}

/* The address a dialer appears to come from: its own IP, an ephemeral port. */
static pqnet_addr source_addr(const memnode *m, uint64_t conn) {
  pqnet_addr a = m->listen;
  if (!a.family) {
    memset(&a, 0, sizeof a);
    a.family = 4;
    a.ip[0] = 127;
    a.ip[3] = 99;
  }
  a.port = (uint16_t)(40000 + conn % 20000);
  return a;
}

static memlink *new_link(memnet *net, memnode *a, memnode *b) {
  memlink *l = calloc(1, sizeof *l);
  if (!l) abort();
  net->links = grow(net->links, &net->cap_links, net->nlinks + 1, sizeof *net->links);
  net->links[net->nlinks++] = l;
  l->a = a;
  l->b = b;
  l->conn_a = net->next_conn++;
  l->conn_b = net->next_conn++;
  l->open = 1;
  net->by_conn = grow(net->by_conn, &net->cap_by_conn, net->next_conn, sizeof *net->by_conn);
  net->by_conn[l->conn_a] = l;
  net->by_conn[l->conn_b] = l;
  return l;
}

memlink *memnet_link(memnet *net, memnode *a, memnode *b) {
  memlink *l = new_link(net, a, b);
  pqnet_addr to_b = b->listen.family ? b->listen : source_addr(b, l->conn_b);
  pqnet_addr from_a = source_addr(a, l->conn_a);
  /* Explicit links: the inbound side learns a fake, unique address. */
  if (!a->listen.family) from_a.ip[3] = (uint8_t)l->conn_a;
  if (!b->listen.family) to_b.ip[3] = (uint8_t)l->conn_b;
  if (pqnet_node_connected(b->node, l->conn_b, &from_a, PQNET_INBOUND, net->now) != 0) {
    l->open = 0;
    return l;
  }
  if (pqnet_node_connected(a->node, l->conn_a, &to_b, PQNET_OUTBOUND, net->now) != 0) abort();
  return l;
}

static void dial(memnet *net, memnode *from, const pqnet_addr *addr) {
  net->dials++;
  memnode *to = NULL;
  for (size_t i = 0; i < net->nnodes; i++) {
    memnode *m = net->nodes[i];
    if (!m->offline && m->listen.family && pqnet_addr_equal(&m->listen, addr)) to = m;
  }
  if (!to) {
    net->dials_refused++;
    pqnet_node_dial_failed(from->node, addr, net->now);
    return;
  }
  memlink *l = new_link(net, from, to);
  pqnet_addr src = source_addr(from, l->conn_a);
  if (pqnet_node_connected(to->node, l->conn_b, &src, PQNET_INBOUND, net->now) != 0) {
    /* Refused at once (limits): the dialer sees a connection that closes. */
    l->open = 0;
    pqnet_node_dial_failed(from->node, addr, net->now);
    return;
  }
  if (pqnet_node_connected(from->node, l->conn_a, addr, PQNET_OUTBOUND, net->now) != 0) abort();
}

static void resolve(memnet *net, memnode *from, const char *host, uint16_t port) {
  for (size_t i = 0; i < net->ndns; i++) {
    if (strcmp(net->dns[i].host, host) == 0) {
      pqnet_addr a[8];
      for (size_t k = 0; k < net->dns[i].n; k++) {
        a[k] = net->dns[i].addrs[k];
        if (!a[k].port) a[k].port = port;
      }
      pqnet_node_resolved(from->node, host, a, net->dns[i].n, net->now);
      return;
    }
  }
  pqnet_node_resolved(from->node, host, NULL, 0, net->now);
}

static memlink *find_link(memnet *net, memnode *m, uint64_t conn, int *dir_ab) {
  if (conn >= net->cap_by_conn || !net->by_conn[conn]) return NULL;
  memlink *l = net->by_conn[conn];
  if (l->a == m && l->conn_a == conn) {
    *dir_ab = 1;
    return l;
  }
  if (l->b == m && l->conn_b == conn) {
    *dir_ab = 0;
    return l;
  }
  return NULL;
}

static void deliver(memnet *net, memlink *l, int dir_ab, const uint8_t *data, size_t len) {
  memnode *to = dir_ab ? l->b : l->a;
  uint64_t conn = dir_ab ? l->conn_b : l->conn_a;
  pqnet_keccak k;
  pqnet_sha3_256_init(&k);
  pqnet_keccak_absorb(&k, net->transcript, 32);
  pqnet_keccak_absorb(&k, data, len);
  pqnet_keccak_squeeze(&k, net->transcript, 32);
  net->delivered += len;
  while (len > 0 && l->open) {
    size_t n = len;
    if (net->chunk == 1) {
      n = 1;
    } else if (net->chunk > 1) {
      uint8_t r[2];
      pqnet_rng_fill(&net->chunk_rng.rng, r, 2);
      n = 1 + ((size_t)(r[0] | r[1] << 8) % net->chunk);
      if (n > len) n = len;
    }
    pqnet_node_received(to->node, conn, data, n, net->now);
    data += n;
    len -= n;
  }
}

static void close_link(memnet *net, memlink *l) {
  if (!l->open) return;
  l->open = 0;
  pqnet_node_closed(l->a->node, l->conn_a, net->now);
  pqnet_node_closed(l->b->node, l->conn_b, net->now);
}

void memnet_remove(memnet *net, memnode *m) {
  m->offline = 1;
  for (size_t i = 0; i < net->nlinks; i++) {
    memlink *l = net->links[i];
    if (l->open && (l->a == m || l->b == m)) close_link(net, l);
  }
  pqnet_action act;
  while (pqnet_node_poll(m->node, &act)) {
  }
}

void memnet_pump(memnet *net) {
  int moved = 1;
  while (moved) {
    moved = 0;
    for (size_t i = 0; i < net->nnodes; i++) {
      memnode *m = net->nodes[i];
      if (m->offline) continue;
      pqnet_action act;
      while (pqnet_node_poll(m->node, &act)) {
        int dir_ab = 0;
        memlink *l;
        switch (act.type) {
        case PQNET_ACT_SEND:
          moved = 1;
          l = find_link(net, m, act.conn, &dir_ab);
          if (!l || !l->open) break;
          {
            uint8_t *copy = malloc(act.len);
            if (!copy) abort();
            memcpy(copy, act.data, act.len);
            if (!net->tap || net->tap(net->tap_ctx, l, dir_ab, copy, act.len))
              deliver(net, l, dir_ab, copy, act.len);
            free(copy);
          }
          break;
        case PQNET_ACT_CLOSE:
          moved = 1;
          l = find_link(net, m, act.conn, &dir_ab);
          if (l && l->open) {
            close_link(net, l);
          } else if (l && !l->open && l->a == m && act.conn == l->conn_a) {
            pqnet_node_closed(m->node, act.conn, net->now); /* refused at connect */
          } else if (!l) {
            pqnet_node_closed(m->node, act.conn, net->now);
          }
          break;
        case PQNET_ACT_DIAL:
          moved = 1;
          dial(net, m, &act.addr);
          break;
        case PQNET_ACT_RESOLVE: {
          moved = 1;
          char host[256];
          snprintf(host, sizeof host, "%.*s", (int)act.len, (const char *)act.data);
          resolve(net, m, host, act.addr.port);
          break;
        }
        default: break;
        }
      }
    }
  }
}

void memnet_advance(memnet *net, uint64_t ms) {
  uint64_t end = net->now + ms;
  int ticked_now = 0; /* the nodes were ticked at net->now already */
  while (net->now < end) {
    /* A deadline that is already due is served at once (as a driver's
     * timer would fire at once), then time moves to the next one. */
    uint64_t next = end;
    int due = 0;
    for (size_t i = 0; i < net->nnodes; i++) {
      if (net->nodes[i]->offline) continue;
      uint64_t d = pqnet_node_next_deadline(net->nodes[i]->node);
      if (d <= net->now)
        due = 1;
      else if (d < next)
        next = d;
    }
    if (!due || ticked_now) net->now = next;
    ticked_now = 1;
    for (size_t i = 0; i < net->nnodes; i++)
      if (!net->nodes[i]->offline) pqnet_node_tick(net->nodes[i]->node, net->now);
    memnet_pump(net);
  }
}
