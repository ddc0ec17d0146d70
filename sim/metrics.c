/*
 * What the simulator measures: per-node counters kept up to date by the
 * cores' callbacks (O(1) per change), a sampled time series (CSV), the
 * graph's connected components (union-find) and diameter (exact by bounding
 * eccentricities up to diameter_exact_max nodes, checked against a BFS from
 * every node under --check; else from 64 sampled sources, reported as a
 * lower bound), time-to-target distributions, below-target episodes, the
 * eclipse outcome per victim, the summary table and the gnuplot plots.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sim.h"

typedef struct dvec {
  double *v;
  size_t n, cap;
} dvec;

typedef struct sim_metrics {
  dvec ttt_join;     /* first join of an initial node: seconds to min_outbound */
  dvec ttt_late;     /* late joiners (seeds gone) */
  dvec ttt_return;   /* churn returns */
  dvec below;        /* below-target episodes (s) of nodes that had reached target */
  size_t below_open; /* episodes still open at the end (included in `below`) */
  size_t joins, returns;
  /* eclipse */
  size_t victims_done, victims_eclipsed;
  double victim_att_out, victim_att_new, victim_att_tried;
  size_t victim_out;
  /* last sample */
  double lcc_frac;
  size_t components, online, at_target;
  double eclipsed_frac;
  double wall_last;
  double node_seconds;
  uint64_t last_sample; /* us; SIM_NEVER before the first */
  FILE *victims_csv;
  /* gossip */
  uint32_t *g_recv;   /* per message: nodes that accepted it */
  uint32_t *g_online; /* per message: honest nodes online when published */
  size_t g_n, g_cap;
  dvec g_lat; /* seconds from publish to each acceptance */
} sim_metrics;

static void push(dvec *d, double x) {
  if (d->n == d->cap) {
    size_t cap = d->cap ? d->cap * 2 : 1024;
    double *v = realloc(d->v, cap * sizeof *v);
    if (!v) abort();
    d->v = v;
    d->cap = cap;
  }
  d->v[d->n++] = x;
}

static int cmp_dbl(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Nearest-rank percentile of a sorted vector. */
static double pct(const dvec *d, double p) {
  if (!d->n) return NAN;
  size_t k = (size_t)ceil(p / 100.0 * (double)d->n);
  if (k < 1) k = 1;
  if (k > d->n) k = d->n;
  return d->v[k - 1];
}

static double wall_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int metrics_init(sim *s) {
  s->m = calloc(1, sizeof *s->m);
  if (!s->m) return -1;
  s->wall_start = wall_now();
  s->m->wall_last = s->wall_start;
  s->m->last_sample = SIM_NEVER;
  char dir[sizeof s->cfg.out];
  snprintf(dir, sizeof dir, "%s", s->cfg.out);
  for (char *p = dir + 1; *p; p++) /* mkdir -p */
    if (*p == '/') {
      *p = '\0';
      mkdir(dir, 0755);
      *p = '/';
    }
  mkdir(dir, 0755);
  char path[600];
  snprintf(path, sizeof path, "%s/timeseries.csv", s->cfg.out);
  s->csv = fopen(path, "w");
  if (!s->csv) {
    perror(path);
    return -1;
  }
  fprintf(s->csv, "t_s,online,at_target,out_mean,out_min,out_p50,out_max,peers_mean,peers_min,"
                  "peers_max,lcc,components,eclipsed,handshakes,dials,dials_failed,events,"
                  "mbytes\n");
  if (s->cfg.victims) {
    snprintf(path, sizeof path, "%s/victims.csv", s->cfg.out);
    s->m->victims_csv = fopen(path, "w");
    if (s->m->victims_csv)
      fprintf(s->m->victims_csv, "victim,eclipsed,outbound,outbound_attacker,new,tried,"
                                 "attacker_new,attacker_tried\n");
  }
  return 0;
}

void metrics_free(sim *s) {
  if (!s->m) return;
  free(s->m->ttt_join.v);
  free(s->m->ttt_late.v);
  free(s->m->ttt_return.v);
  free(s->m->below.v);
  if (s->m->victims_csv) fclose(s->m->victims_csv);
  free(s->m->g_recv);
  free(s->m->g_online);
  free(s->m->g_lat.v);
  free(s->m);
  s->m = NULL;
}

/* ---- per-node bookkeeping from the callbacks ----------------------------------- */

static int at_target(const sim *s, const sim_node *n) {
  return n->out_open >= s->cfg.min_outbound;
}

void metrics_on_peer(sim *s, uint32_t i, int outbound, int up, int attacker) {
  sim_node *n = &s->nodes[i];
  int before = at_target(s, n);
  if (outbound) {
    if (up) {
      n->out_open++;
      n->out_attacker += attacker != 0;
    } else {
      if (n->out_open) n->out_open--;
      if (attacker && n->out_attacker) n->out_attacker--;
    }
  } else if (up) {
    n->in_open++;
  } else if (n->in_open) {
    n->in_open--;
  }
  if (n->kind == SIM_ATTACKER) return;
  int after = at_target(s, n);
  if (after && !before) {
    if (n->target_at == SIM_NEVER) {
      n->target_at = s->now;
      double secs = (double)(s->now - n->joined_at) / 1e6;
      if (n->incarnation > 1)
        push(&s->m->ttt_return, secs);
      else if (i >= s->cfg.nodes)
        push(&s->m->ttt_late, secs);
      else
        push(&s->m->ttt_join, secs);
    } else if (n->below_since != SIM_NEVER) {
      push(&s->m->below, (double)(s->now - n->below_since) / 1e6);
      n->below_since = SIM_NEVER;
    }
  } else if (before && !after && n->target_at != SIM_NEVER) {
    n->below_since = s->now;
  }
}

void metrics_on_join(sim *s, uint32_t i) {
  sim_node *n = &s->nodes[i];
  n->joined_at = s->now;
  n->target_at = SIM_NEVER;
  n->below_since = SIM_NEVER;
  n->ever_joined = 1;
  if (n->incarnation > 1)
    s->m->returns++;
  else
    s->m->joins++;
}

void metrics_on_leave(sim *s, uint32_t i) {
  sim_node *n = &s->nodes[i];
  n->online_us += s->now - n->joined_at;
  if (n->below_since != SIM_NEVER) {
    push(&s->m->below, (double)(s->now - n->below_since) / 1e6);
    n->below_since = SIM_NEVER;
  }
}

void metrics_victim_result(sim *s, uint32_t v, int eclipsed, size_t out, size_t out_att,
                           size_t am_new, size_t am_tried, size_t att_new, size_t att_tried) {
  sim_metrics *m = s->m;
  m->victims_done++;
  m->victims_eclipsed += eclipsed != 0;
  m->victim_out += out;
  m->victim_att_out += out ? (double)out_att / (double)out : 0;
  m->victim_att_new += am_new ? (double)att_new / (double)am_new : 0;
  m->victim_att_tried += am_tried ? (double)att_tried / (double)am_tried : 0;
  if (m->victims_csv)
    fprintf(m->victims_csv, "%u,%d,%zu,%zu,%zu,%zu,%zu,%zu\n", v, eclipsed, out, out_att, am_new,
            am_tried, att_new, att_tried);
}

void metrics_gossip_published(sim *s, uint32_t msg, size_t online) {
  sim_metrics *m = s->m;
  if (msg >= m->g_cap) {
    size_t cap = m->g_cap ? m->g_cap * 2 : 1024;
    while (cap <= msg) cap *= 2;
    m->g_recv = realloc(m->g_recv, cap * sizeof *m->g_recv);
    m->g_online = realloc(m->g_online, cap * sizeof *m->g_online);
    if (!m->g_recv || !m->g_online) abort();
    memset(m->g_recv + m->g_cap, 0, (cap - m->g_cap) * sizeof *m->g_recv);
    memset(m->g_online + m->g_cap, 0, (cap - m->g_cap) * sizeof *m->g_online);
    m->g_cap = cap;
  }
  m->g_online[msg] = (uint32_t)online;
  if (msg + 1 > m->g_n) m->g_n = msg + 1;
}

void metrics_gossip_received(sim *s, uint32_t msg, uint64_t published_us) {
  sim_metrics *m = s->m;
  if (msg >= m->g_n) return;
  m->g_recv[msg]++;
  push(&m->g_lat, (double)(s->now - published_us) / 1e6);
}

/* ---- the graph -------------------------------------------------------------------- */

static uint32_t uf_find(uint32_t *p, uint32_t x) {
  while (p[x] != x) {
    p[x] = p[p[x]];
    x = p[x];
  }
  return x;
}

static int honest_online(const sim *s, uint32_t i) {
  return i < s->nhonest && s->nodes[i].node != NULL;
}

/* Components of the honest online nodes over open sessions between them. */
static void components(sim *s, size_t *ncomp, size_t *lcc, size_t *online) {
  uint32_t n = s->nhonest;
  uint32_t *p = malloc((size_t)n * sizeof *p), *size = calloc(n, sizeof *size);
  if (!p || !size) abort();
  for (uint32_t i = 0; i < n; i++) p[i] = i;
  uint64_t ids[512];
  for (uint32_t i = 0; i < n; i++) {
    if (!honest_online(s, i)) continue;
    size_t k = pqnet_node_peers(s->nodes[i].node, ids, 512);
    for (size_t j = 0; j < k; j++) {
      uint32_t o = sim_peer_of(s, i, ids[j]);
      if (o == UINT32_MAX || !honest_online(s, o)) continue;
      uint32_t a = uf_find(p, i), b = uf_find(p, o);
      if (a != b) p[a] = b;
    }
  }
  *ncomp = *lcc = *online = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (!honest_online(s, i)) continue;
    (*online)++;
    uint32_t r = uf_find(p, i);
    if (size[r]++ == 0) (*ncomp)++;
    if (size[r] > *lcc) *lcc = size[r];
  }
  free(p);
  free(size);
}

/* Breadth-first search from src over the honest online graph (CSR form):
 * dist[] of every node (UINT32_MAX: unreached), returns the eccentricity
 * of src and the farthest node in *far. */
static uint32_t bfs(const uint32_t *off, const uint32_t *adj, uint32_t n, uint32_t src,
                    uint32_t *dist, uint32_t *q, uint32_t *far) {
  for (uint32_t z = 0; z < n; z++) dist[z] = UINT32_MAX;
  size_t h = 0, t = 0;
  dist[src] = 0;
  q[t++] = src;
  *far = src;
  while (h < t) {
    uint32_t u = q[h++];
    if (dist[u] > dist[*far]) *far = u;
    for (uint32_t e = off[u]; e < off[u + 1]; e++)
      if (dist[adj[e]] == UINT32_MAX) dist[adj[e]] = dist[u] + 1, q[t++] = adj[e];
  }
  return dist[*far];
}

/* Exact diameter of the component of `start` by bounding eccentricities
 * (Takes and Kosters, "Determining the diameter of small world networks",
 * CIKM 2011): each BFS from v gives every w the bounds
 *   max(d(v,w), ecc(v) - d(v,w)) <= ecc(w) <= ecc(v) + d(v,w);
 * a node whose upper bound cannot beat the best lower bound, or whose
 * eccentricity is pinned, needs no BFS of its own. Small-world graphs need a
 * few dozen BFS instead of one per node. */
static uint32_t diameter_exact(const uint32_t *off, const uint32_t *adj, uint32_t n, uint32_t start,
                               uint32_t *dist, uint32_t *q) {
  uint32_t far, *lo = calloc(n, sizeof *lo), *hi = malloc((size_t)n * sizeof *hi);
  uint8_t *cand = calloc(n, 1);
  if (!lo || !hi || !cand) abort();
  bfs(off, adj, n, start, dist, q, &far);
  size_t ncand = 0;
  for (uint32_t w = 0; w < n; w++) {
    hi[w] = UINT32_MAX;
    if (dist[w] != UINT32_MAX) cand[w] = 1, ncand++;
  }
  uint32_t dl = 0, du = UINT32_MAX;
  for (int high = 1; ncand > 0 && dl < du; high = !high) {
    /* Alternately the candidate with the largest upper bound and the one
     * with the smallest lower bound; ties to the higher degree. */
    uint32_t v = UINT32_MAX;
    for (uint32_t w = 0; w < n; w++) {
      if (!cand[w]) continue;
      if (v == UINT32_MAX) {
        v = w;
        continue;
      }
      int64_t key_w = high ? (int64_t)hi[w] : -(int64_t)lo[w];
      int64_t key_v = high ? (int64_t)hi[v] : -(int64_t)lo[v];
      if (key_w > key_v || (key_w == key_v && off[w + 1] - off[w] > off[v + 1] - off[v])) v = w;
    }
    uint32_t ecc = bfs(off, adj, n, v, dist, q, &far);
    cand[v] = 0, ncand--;
    lo[v] = hi[v] = ecc;
    if (ecc > dl) dl = ecc;
    uint32_t max_hi = 0;
    for (uint32_t w = 0; w < n; w++) {
      if (dist[w] == UINT32_MAX) continue;
      uint32_t d = dist[w], l = d > ecc - d ? d : ecc - d, u = ecc + d;
      if (l > lo[w]) lo[w] = l;
      if (u < hi[w]) hi[w] = u;
      if (lo[w] > dl) dl = lo[w];
      if (hi[w] > max_hi) max_hi = hi[w];
    }
    if (max_hi < du) du = max_hi;
    for (uint32_t w = 0; w < n; w++)
      if (cand[w] && (hi[w] <= dl || lo[w] == hi[w])) cand[w] = 0, ncand--;
  }
  free(lo);
  free(hi);
  free(cand);
  return dl;
}

/* Diameter of the largest component: exact (bounding eccentricities, see
 * diameter_exact) when the online graph has at most exact_max nodes, else
 * the largest eccentricity seen from 64 random sources plus a double sweep
 * (a lower bound). *exact tells which. */
static uint32_t diameter(sim *s, int *exact) {
  uint32_t n = s->nhonest;
  uint32_t *off = calloc((size_t)n + 1, sizeof *off), *adj = NULL;
  uint64_t ids[512];
  size_t total = 0;
  for (uint32_t i = 0; i < n; i++) {
    off[i] = (uint32_t)total;
    if (!honest_online(s, i)) continue;
    size_t k = pqnet_node_peers(s->nodes[i].node, ids, 512);
    adj = realloc(adj, (total + k + 1) * sizeof *adj);
    if (!adj) abort();
    for (size_t j = 0; j < k; j++) {
      uint32_t o = sim_peer_of(s, i, ids[j]);
      if (o != UINT32_MAX && honest_online(s, o)) adj[total++] = o;
    }
  }
  off[n] = (uint32_t)total;
  uint32_t *dist = malloc((size_t)n * sizeof *dist), *q = malloc((size_t)n * sizeof *q);
  uint8_t *seen = calloc(n, 1);
  if (!dist || !q || !seen) abort();
  /* The largest component: one BFS per component. */
  size_t online = 0, biggest = 0;
  uint32_t start = UINT32_MAX, far, best = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (!honest_online(s, i)) continue;
    online++;
    if (seen[i]) continue;
    bfs(off, adj, n, i, dist, q, &far);
    size_t size = 0;
    for (uint32_t w = 0; w < n; w++)
      if (dist[w] != UINT32_MAX) seen[w] = 1, size++;
    if (size > biggest) biggest = size, start = i;
  }
  if (start == UINT32_MAX) {
    *exact = 1;
  } else if (online <= s->cfg.diameter_exact_max) {
    *exact = 1;
    best = diameter_exact(off, adj, n, start, dist, q);
    if (s->cfg.check && online <= 2000) {
      /* Self-check of the bounding search: one BFS from every node. */
      bfs(off, adj, n, start, dist, q, &far);
      uint8_t *member = malloc(n);
      if (!member) abort();
      for (uint32_t w = 0; w < n; w++) member[w] = dist[w] != UINT32_MAX;
      uint32_t brute = 0;
      for (uint32_t w = 0; w < n; w++) {
        if (!member[w]) continue;
        uint32_t e = bfs(off, adj, n, w, dist, q, &far);
        if (e > brute) brute = e;
      }
      free(member);
      if (brute != best) {
        fprintf(stderr, "pqnet-sim: internal error: diameter %u, brute force %u\n", best, brute);
        abort();
      }
    }
  } else {
    *exact = 0;
    uint64_t x = s->cfg.seed * 31 + 7; /* sources from a local generator: no effect on the run */
    for (int k = 0; k < 64; k++) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      uint32_t src = (uint32_t)((x >> 33) % n);
      if (!honest_online(s, src)) continue;
      uint32_t e = bfs(off, adj, n, src, dist, q, &far);
      if (e > best) best = e;
      e = bfs(off, adj, n, far, dist, q, &far); /* double sweep */
      if (e > best) best = e;
    }
  }
  free(seen);
  free(off);
  free(adj);
  free(dist);
  free(q);
  return best;
}

/* ---- the time series -------------------------------------------------------------- */

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

void metrics_sample(sim *s) {
  sim_metrics *m = s->m;
  if (m->last_sample == s->now) return; /* the final sample may coincide with a periodic one */
  m->last_sample = s->now;
  uint32_t n = s->nhonest;
  uint32_t *outs = malloc((size_t)n * sizeof *outs);
  if (!outs) abort();
  size_t online = 0, at = 0, eclipsed = 0, with_out = 0;
  double out_sum = 0, peers_sum = 0;
  uint32_t peers_min = UINT32_MAX, peers_max = 0;
  for (uint32_t i = 0; i < n; i++) {
    const sim_node *x = &s->nodes[i];
    if (!x->node) continue;
    uint32_t peers = x->out_open + x->in_open;
    outs[online++] = x->out_open;
    at += at_target(s, x);
    out_sum += x->out_open;
    peers_sum += peers;
    if (peers < peers_min) peers_min = peers;
    if (peers > peers_max) peers_max = peers;
    if (x->out_open) {
      with_out++;
      eclipsed += x->out_attacker == x->out_open;
    }
  }
  size_t comps, lcc, on2;
  components(s, &comps, &lcc, &on2);
  qsort(outs, online, sizeof *outs, cmp_u32);
  m->online = online;
  m->at_target = at;
  m->components = comps;
  m->lcc_frac = online ? (double)lcc / (double)online : 0;
  m->eclipsed_frac = online ? (double)eclipsed / (double)online : 0;
  fprintf(s->csv, "%.1f,%zu,%.4f,%.3f,%u,%u,%u,%.3f,%u,%u,%.4f,%zu,%.4f,%llu,%llu,%llu,%llu,%.3f\n",
          (double)s->now / 1e6, online, online ? (double)at / (double)online : 0,
          online ? out_sum / (double)online : 0, online ? outs[0] : 0,
          online ? outs[online / 2] : 0, online ? outs[online - 1] : 0,
          online ? peers_sum / (double)online : 0, online ? peers_min : 0, peers_max, m->lcc_frac,
          comps, m->eclipsed_frac, (unsigned long long)s->handshakes, (unsigned long long)s->dials,
          (unsigned long long)s->dials_failed, (unsigned long long)s->events,
          (double)s->bytes / 1e6);
  free(outs);
}

void metrics_progress(sim *s, int final) {
  if (s->cfg.quiet) return;
  double w = wall_now();
  int tty = isatty(2);
  if (!final && w - s->m->wall_last < (tty ? 1.0 : 10.0)) return;
  s->m->wall_last = w;
  size_t online = 0, at = 0;
  for (uint32_t i = 0; i < s->nhonest; i++) {
    if (!s->nodes[i].node) continue;
    online++;
    at += at_target(s, &s->nodes[i]);
  }
  fprintf(stderr,
          "%spqnet-sim: t=%7.1fs/%.0fs events=%-11llu online=%-6zu at-target=%5.1f%% "
          "handshakes=%-9llu wall=%6.1fs%s",
          tty ? "\r" : "", (double)s->now / 1e6, s->cfg.duration_s, (unsigned long long)s->events,
          online, online ? 100.0 * (double)at / (double)online : 0.0,
          (unsigned long long)s->handshakes, w - s->wall_start, final || !tty ? "\n" : "");
  fflush(stderr);
}

/* ---- the end ------------------------------------------------------------------------ */

static long rss_kib(const char *field) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long v = -1;
  size_t fl = strlen(field);
  if (!f) return -1;
  while (fgets(line, sizeof line, f))
    if (strncmp(line, field, fl) == 0) v = strtol(line + fl, NULL, 10);
  fclose(f);
  return v;
}

long sim_baseline_kib;

static void write_ttt(FILE *f, const char *kind, const dvec *d) {
  for (size_t i = 0; i < d->n; i++)
    fprintf(f, "%s,%.3f,%.5f\n", kind, d->v[i], (double)(i + 1) / (double)d->n);
}

static void dist_line(FILE *f, const char *name, const dvec *d, double tick_s) {
  if (!d->n) {
    fprintf(f, "  %-34s n=0\n", name);
    return;
  }
  if (tick_s <= 0) {
    fprintf(f, "  %-34s n=%-6zu p50=%7.3fs p90=%7.3fs p99=%7.3fs max=%7.3fs\n", name, d->n,
            pct(d, 50), pct(d, 90), pct(d, 99), d->v[d->n - 1]);
    return;
  }
  fprintf(f,
          "  %-34s n=%-6zu p50=%7.1fs (%4.2f ticks) p90=%7.1fs p99=%7.1fs (%4.2f ticks) "
          "max=%7.1fs (%4.2f ticks)\n",
          name, d->n, pct(d, 50), pct(d, 50) / tick_s, pct(d, 90), pct(d, 99), pct(d, 99) / tick_s,
          d->v[d->n - 1], d->v[d->n - 1] / tick_s);
}

static void plots(sim *s) {
  char path[700];
  snprintf(path, sizeof path, "%s/plots.gp", s->cfg.out);
  FILE *g = fopen(path, "w");
  if (!g) return;
  const char *t = s->cfg.fast_crypto ? " [fast crypto: fake signatures]" : "";
  fprintf(g,
          "set terminal pngcairo size 640,400 font 'sans,9'\nset datafile separator ','\n"
          "set key autotitle columnhead\nset grid\nset xlabel 'virtual time (min)'\n"
          "cd '%s'\n",
          s->cfg.out);
  fprintf(g,
          "set output 'peers.png'\nset title 'peers per node, %s, %u nodes, seed %llu%s'\n"
          "set ylabel 'peers'\n"
          "plot 'timeseries.csv' u ($1/60):4 w l lw 2 t 'outbound (mean)', '' u ($1/60):5 w l "
          "t 'outbound (min)', '' u ($1/60):8 w l lw 2 t 'all peers (mean)', '' u ($1/60):10 w "
          "l t 'all peers (max)', %u w l dt 2 lc rgb 'black' t 'min\\_outbound'\n",
          s->cfg.name, s->cfg.nodes, (unsigned long long)s->cfg.seed, t, s->cfg.min_outbound);
  fprintf(g,
          "set output 'lcc.png'\nset title 'largest connected component, %s, seed %llu%s'\n"
          "set ylabel 'fraction of online honest nodes'\nset yrange [-0.02:1.05]\n"
          "set key bottom right\n"
          "plot 'timeseries.csv' u ($1/60):11 w l lw 2 t 'largest component', '' u ($1/60):3 "
          "w l lw 2 t 'at outbound target', '' u ($1/60):13 w l lw 2 t 'all outbound to "
          "attacker'\nset yrange [*:*]\nset key default\n",
          s->cfg.name, (unsigned long long)s->cfg.seed, t);
  fprintf(g,
          "set output 'ttt_cdf.png'\nset title 'time to min\\_outbound (CDF), %s, seed "
          "%llu%s'\nset xlabel 'seconds after joining'\nset ylabel 'fraction of nodes'\n"
          "set yrange [0:1.05]\nset key bottom right\n"
          "plot 'ttt.csv' u ($1==1?$2:1/0):3 w steps lw 2 t 'initial joiners', "
          "'' u ($1==2?$2:1/0):3 w steps lw 2 t 'late joiners', "
          "'' u ($1==3?$2:1/0):3 w steps lw 2 t 'returning (churn)'\n",
          s->cfg.name, (unsigned long long)s->cfg.seed, t);
  fclose(g);
  char cmd[800];
  snprintf(cmd, sizeof cmd, "gnuplot '%s' 2>/dev/null", path);
  if (system(cmd) != 0) fprintf(stderr, "pqnet-sim: gnuplot failed (plots skipped)\n");
}

int metrics_finish(sim *s) {
  sim_metrics *m = s->m;
  const sim_config *c = &s->cfg;
  double wall = wall_now() - s->wall_start;
  metrics_sample(s);
  fflush(s->csv);
  /* Close open episodes and count node-seconds. */
  size_t never = 0, below_now = 0;
  double node_s = 0;
  for (uint32_t i = 0; i < s->nhonest + s->nattack; i++) {
    sim_node *n = &s->nodes[i];
    double on = (double)n->online_us;
    if (n->node) on += (double)(s->now - n->joined_at);
    node_s += on / 1e6;
    if (i >= s->nhonest || !n->node) continue;
    if (n->target_at == SIM_NEVER) {
      never++;
    }
    if (n->below_since != SIM_NEVER) {
      push(&m->below, (double)(s->now - n->below_since) / 1e6);
      m->below_open++;
      below_now++;
    }
  }
  qsort(m->ttt_join.v, m->ttt_join.n, sizeof(double), cmp_dbl);
  qsort(m->ttt_late.v, m->ttt_late.n, sizeof(double), cmp_dbl);
  qsort(m->ttt_return.v, m->ttt_return.n, sizeof(double), cmp_dbl);
  qsort(m->below.v, m->below.n, sizeof(double), cmp_dbl);
  qsort(m->g_lat.v, m->g_lat.n, sizeof(double), cmp_dbl);
  char path[600];
  snprintf(path, sizeof path, "%s/ttt.csv", c->out);
  FILE *f = fopen(path, "w");
  if (f) {
    fprintf(f, "kind,seconds,cdf\n");
    write_ttt(f, "1", &m->ttt_join);
    write_ttt(f, "2", &m->ttt_late);
    write_ttt(f, "3", &m->ttt_return);
    fclose(f);
  }
  int exact = 0;
  uint32_t diam = diameter(s, &exact);
  double tick_s = c->tick_ms / 1000.0;
  long hwm = rss_kib("VmHWM:");
  size_t total_nodes = s->nhonest + (size_t)s->nattack;
  int ok = 1;
  char why[512] = "";
  if (never || m->at_target != m->online) {
    ok = 0;
    snprintf(why + strlen(why), sizeof why - strlen(why), " %zu online nodes below target;",
             m->online - m->at_target);
  }
  if (m->components != 1) {
    ok = 0;
    snprintf(why + strlen(why), sizeof why - strlen(why), " %zu components;", m->components);
  }

  snprintf(path, sizeof path, "%s/summary.txt", c->out);
  FILE *outs[2] = {stdout, fopen(path, "w")};
  for (int k = 0; k < 2; k++) {
    FILE *o = outs[k];
    if (!o) continue;
    fprintf(o, "== pqnet-sim: scenario %s, seed %llu ==\n", c->name, (unsigned long long)c->seed);
    if (c->fast_crypto)
      fprintf(o, "!! FAST CRYPTO: ML-DSA signatures replaced by a keyed hash (not secure; the "
                 "handshake, KEM, AEAD and every other code path are real)\n");
    else
      fprintf(o, "crypto: real (ML-KEM-768 + X25519, ML-DSA-65, AES-256-GCM)\n");
    fprintf(o, "addrman per node: new %u x %u, tried %u x %u\n", c->am_new_buckets,
            c->am_bucket_size, c->am_tried_buckets, c->am_bucket_size);
    if (k == 1) {
      fprintf(o, "-- config (re-usable with --config) --\n");
      sim_config_print(c, o);
    }
    fprintf(o, "-- result at t=%.0fs --\n", (double)s->now / 1e6);
    fprintf(o, "  honest nodes online              %zu (at min_outbound=%u: %zu, %.2f%%)\n",
            m->online, c->min_outbound, m->at_target,
            m->online ? 100.0 * (double)m->at_target / (double)m->online : 0);
    fprintf(o, "  largest component                %.4f of online (%zu components)\n", m->lcc_frac,
            m->components);
    fprintf(o, "  diameter of largest component    %u%s\n", diam,
            exact ? " (exact)" : " (lower bound: 64 BFS double sweeps)");
    fprintf(o, "  online nodes never at target     %zu\n", never);
    fprintf(o, "-- time to min_outbound (tick = %.0fs) --\n", tick_s);
    dist_line(o, "initial joiners", &m->ttt_join, tick_s);
    dist_line(o, "late joiners (stored peers only)", &m->ttt_late, tick_s);
    dist_line(o, "returning nodes (churn)", &m->ttt_return, tick_s);
    fprintf(o, "-- below target after having reached it --\n");
    dist_line(o, "episodes", &m->below, tick_s);
    if (m->below.n) {
      size_t over = 0;
      for (size_t i = 0; i < m->below.n; i++) over += m->below.v[i] > 2 * tick_s;
      fprintf(o, "  episodes longer than 2 ticks     %zu (%zu still open at the end)\n", over,
              m->below_open);
    }
    if (c->victims) {
      fprintf(o,
              "-- eclipse: K=%u addresses in G=%u groups, %zu victims; countermeasures: "
              "bucketing=%d test-before-evict=%d feelers=%d anchors=%d --\n",
              c->attack_addrs, c->attack_groups, m->victims_done, c->cm_bucketing, c->cm_tbe,
              c->cm_feelers, c->cm_anchors);
      fprintf(o, "  P(all outbound to attacker)      %.3f (%zu of %zu)\n",
              m->victims_done ? (double)m->victims_eclipsed / (double)m->victims_done : 0,
              m->victims_eclipsed, m->victims_done);
      if (m->victims_done) {
        double d = (double)m->victims_done;
        fprintf(o, "  attacker share, outbound         %.3f (mean %.1f outbound peers)\n",
                m->victim_att_out / d, (double)m->victim_out / d);
        fprintf(o, "  attacker share, new / tried      %.3f / %.3f (before the restart)\n",
                m->victim_att_new / d, m->victim_att_tried / d);
      }
    }
    if (m->g_n) {
      double cov = 0, full = 0;
      for (size_t i = 0; i < m->g_n; i++) {
        double want = m->g_online[i] > 1 ? m->g_online[i] - 1.0 : 1.0;
        double got = m->g_recv[i] / want;
        cov += got > 1 ? 1 : got;
        full += m->g_recv[i] + 1 >= m->g_online[i];
      }
      uint64_t dupes = 0, sent = 0;
      for (uint32_t i = 0; i < s->nhonest; i++)
        if (s->nodes[i].node) {
          dupes += pqnet_node_get_stats(s->nodes[i].node)->dupes_dropped;
          sent += pqnet_node_get_stats(s->nodes[i].node)->gossip_sent;
        }
      fprintf(o, "-- gossip: %zu messages of %u bytes at %.2f/s --\n", m->g_n, c->gossip_size,
              c->gossip_rate);
      fprintf(o,
              "  coverage                         mean %.4f of online nodes; %.4f of messages "
              "reached all\n",
              cov / (double)m->g_n, full / (double)m->g_n);
      dist_line(o, "latency publish -> accepted", &m->g_lat, 0);
      fprintf(o, "  duplicates dropped / full sends  %llu / %llu (nodes online at the end)\n",
              (unsigned long long)dupes, (unsigned long long)sent);
    }
    fprintf(o, "-- the simulator --\n");
    fprintf(o, "  events %llu, handshakes %llu, dials %llu (%llu failed), %.1f MB sent\n",
            (unsigned long long)s->events, (unsigned long long)s->handshakes,
            (unsigned long long)s->dials, (unsigned long long)s->dials_failed,
            (double)s->bytes / 1e6);
    fprintf(o,
            "  events by type: wake %llu, syn %llu, data %llu, fin %llu, dial-fail %llu, "
            "scenario %llu\n",
            (unsigned long long)s->by_type[EV_WAKE], (unsigned long long)s->by_type[EV_SYN],
            (unsigned long long)s->by_type[EV_DATA], (unsigned long long)s->by_type[EV_FIN],
            (unsigned long long)s->by_type[EV_DIAL_FAIL],
            (unsigned long long)(s->events - s->by_type[EV_WAKE] - s->by_type[EV_SYN] -
                                 s->by_type[EV_SYNACK] - s->by_type[EV_DATA] - s->by_type[EV_FIN] -
                                 s->by_type[EV_DIAL_FAIL]));
    fprintf(o, "  wall %.1fs: %.0f events/s, %.0f simulated node-seconds per wall second\n", wall,
            wall > 0 ? (double)s->events / wall : 0, wall > 0 ? node_s / wall : 0);
    if (hwm > 0)
      fprintf(o, "  peak RSS %.1f MiB, %.1f KiB per simulated node (%zu node slots)\n",
              (double)hwm / 1024, (double)(hwm - sim_baseline_kib) / (double)total_nodes,
              total_nodes);
    if (c->check) fprintf(o, "-- invariants: %s%s\n", ok ? "OK" : "FAILED:", ok ? "" : why);
  }
  if (outs[1]) fclose(outs[1]);
  if (c->plot) plots(s);
  return ok;
}
