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

static void on_log(void *ctx, int level, const char *msg) {
  memnode *m = ctx;
  if (m->verbose) fprintf(stderr, "[node %p L%d] %s\n", (void *)m, level, msg);
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
  pqnet_node_callbacks cb = {m, on_connected, on_disconnected, on_message, on_hello, on_log};
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
  net->now = 1000000;
  net->next_conn = 1;
}

void memnet_add(memnet *net, memnode *m) {
  if (net->nnodes < MEMNET_MAX_NODES) net->nodes[net->nnodes++] = m;
}

static pqnet_addr fake_addr(uint64_t conn) {
  pqnet_addr a;
  memset(&a, 0, sizeof a);
  a.family = 4;
  a.ip[0] = 127;
  a.ip[3] = (uint8_t)conn;
  a.port = (uint16_t)(7000 + conn);
  return a;
}

memlink *memnet_link(memnet *net, memnode *a, memnode *b) {
  if (net->nlinks >= MEMNET_MAX_LINKS) abort();
  memlink *l = &net->links[net->nlinks++];
  l->a = a;
  l->b = b;
  l->conn_a = net->next_conn++;
  l->conn_b = net->next_conn++;
  l->open = 1;
  pqnet_addr aa = fake_addr(l->conn_b), ab = fake_addr(l->conn_a);
  if (pqnet_node_connected(b->node, l->conn_b, &ab, PQNET_INBOUND, net->now) != 0) abort();
  if (pqnet_node_connected(a->node, l->conn_a, &aa, PQNET_OUTBOUND, net->now) != 0) abort();
  return l;
}

static memlink *find_link(memnet *net, memnode *m, uint64_t conn, int *dir_ab) {
  for (int i = 0; i < net->nlinks; i++) {
    memlink *l = &net->links[i];
    if (l->a == m && l->conn_a == conn) {
      *dir_ab = 1;
      return l;
    }
    if (l->b == m && l->conn_b == conn) {
      *dir_ab = 0;
      return l;
    }
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

void memnet_pump(memnet *net) {
  int moved = 1;
  while (moved) {
    moved = 0;
    for (int i = 0; i < net->nnodes; i++) {
      memnode *m = net->nodes[i];
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
          pqnet_node_closed(m->node, act.conn, net->now);
          if (l && l->open) {
            l->open = 0;
            memnode *other = dir_ab ? l->b : l->a;
            pqnet_node_closed(other->node, dir_ab ? l->conn_b : l->conn_a, net->now);
          }
          break;
        default: break;
        }
      }
    }
  }
}

void memnet_advance(memnet *net, uint64_t ms) {
  uint64_t end = net->now + ms;
  while (net->now < end) {
    uint64_t next = end;
    for (int i = 0; i < net->nnodes; i++) {
      uint64_t d = pqnet_node_next_deadline(net->nodes[i]->node);
      if (d > net->now && d < next) next = d;
    }
    net->now = next;
    for (int i = 0; i < net->nnodes; i++) pqnet_node_tick(net->nodes[i]->node, net->now);
    memnet_pump(net);
  }
}
