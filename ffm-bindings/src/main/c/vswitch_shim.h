/*
 * vswitch_shim.h - the flat C API the Java data plane binds to through FFM.
 *
 * Why a shim: rte_eth_rx_burst, rte_eth_tx_burst and the rte_pktmbuf_* helpers are
 * `static inline` in DPDK's headers, so there is no symbol for FFM to find. This shim
 * exports them (and a few multi-step set-up sequences) as real functions. The rules:
 *   - one downcall per burst on the fast path, never one per packet;
 *   - no struct from DPDK crosses the boundary except rte_mbuf, whose field offsets the
 *     shim reports (vs_mbuf_layout) so Java never hard-codes them;
 *   - the shim's own structs are fixed-width and padding-free, and vs_struct_layout
 *     reports their offsets so a test can check the Java layouts against this compiler.
 * Errors are negative errno values; vs_strerror turns them into text.
 */
#ifndef VSWITCH_SHIM_H
#define VSWITCH_SHIM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rte_mbuf;
struct rte_mempool;

/* Version of this API; bumped whenever a signature or struct below changes. */
#define VS_SHIM_API_VERSION 1

/* Per-port counters, as rte_eth_stats reports them (aggregate over queues). */
struct vs_port_stats {
    uint64_t ipackets;
    uint64_t opackets;
    uint64_t ibytes;
    uint64_t obytes;
    uint64_t imissed;   /* dropped by the NIC: rx ring full */
    uint64_t ierrors;
    uint64_t oerrors;
    uint64_t rx_nombuf; /* rx mbuf allocation failures */
};

struct vs_link_info {
    uint32_t speed_mbps;
    uint16_t full_duplex;
    uint16_t autoneg;
    uint16_t up;
    uint16_t reserved0;
    uint32_t reserved1;
};

struct vs_port_info {
    char     driver_name[32];
    uint8_t  mac[6];
    uint16_t max_rx_queues;
    uint16_t max_tx_queues;
    uint16_t reserved0;
    int32_t  socket_id;
    uint64_t rss_offloads;
};

/* Indexes into the array vs_mbuf_layout fills. Keep in step with MbufLayout.java. */
enum vs_mbuf_field {
    VS_MBUF_SIZEOF = 0,
    VS_MBUF_BUF_ADDR,
    VS_MBUF_DATA_OFF,
    VS_MBUF_REFCNT,
    VS_MBUF_NB_SEGS,
    VS_MBUF_PORT,
    VS_MBUF_OL_FLAGS,
    VS_MBUF_PACKET_TYPE,
    VS_MBUF_PKT_LEN,
    VS_MBUF_DATA_LEN,
    VS_MBUF_VLAN_TCI,
    VS_MBUF_HASH_RSS,
    VS_MBUF_VLAN_TCI_OUTER,
    VS_MBUF_BUF_LEN,
    VS_MBUF_POOL,
    VS_MBUF_NEXT,
    VS_MBUF_HEADROOM,      /* RTE_PKTMBUF_HEADROOM, not an offset */
    VS_MBUF_FIELD_COUNT
};

/* Indexes for vs_struct_layout: which shim struct to describe. */
enum vs_struct_kind { VS_STRUCT_PORT_STATS = 0, VS_STRUCT_LINK_INFO, VS_STRUCT_PORT_INFO };

int  vs_api_version(void);
const char *vs_strerror(int errnum);

/* Fills out[0..n) with sizeof/offsetof values of struct rte_mbuf; returns fields written. */
int  vs_mbuf_layout(uint32_t *out, int n);
/* Fills out with sizeof then each field's offset, in declaration order; returns count. */
int  vs_struct_layout(int kind, uint32_t *out, int n);

/* EAL */
int  vs_eal_init(int argc, char **argv);
int  vs_eal_cleanup(void);
int  vs_thread_register(void);   /* returns the lcore id given to the calling thread */
void vs_thread_unregister(void);
uint32_t vs_lcore_id(void);
uint64_t vs_tsc_hz(void);
uint64_t vs_rdtsc(void);

/* Mempools */
struct rte_mempool *vs_pktmbuf_pool_create(const char *name, uint32_t n, uint32_t cache_size,
                                           uint16_t data_room, int socket_id);
void     vs_mempool_free(struct rte_mempool *mp);
uint32_t vs_mempool_in_use(const struct rte_mempool *mp);
uint32_t vs_mempool_avail(const struct rte_mempool *mp);

/* Ports: probe any devargs (PCI address or vdev), configure, start, stop, close. */
int  vs_port_probe(const char *devargs, uint16_t *port_id);
int  vs_port_lookup(const char *name, uint16_t *port_id);
int  vs_port_configure(uint16_t port_id, uint16_t nb_rxq, uint16_t nb_txq, uint16_t nb_rxd,
                       uint16_t nb_txd, struct rte_mempool *mp, int enable_rss);
int  vs_port_start(uint16_t port_id);
int  vs_port_stop(uint16_t port_id);
int  vs_port_close_and_remove(uint16_t port_id);
int  vs_port_promiscuous(uint16_t port_id, int enable);
int  vs_port_stats(uint16_t port_id, struct vs_port_stats *out);
int  vs_port_stats_reset(uint16_t port_id);
int  vs_port_link(uint16_t port_id, struct vs_link_info *out);
int  vs_port_info(uint16_t port_id, struct vs_port_info *out);
uint16_t vs_port_count(void);

/* Fast path: one call per burst. */
uint16_t vs_rx_burst(uint16_t port_id, uint16_t queue_id, struct rte_mbuf **pkts, uint16_t n);
uint16_t vs_tx_burst(uint16_t port_id, uint16_t queue_id, struct rte_mbuf **pkts, uint16_t n);
/* tx_burst, then frees what the queue did not take; returns how many it took. */
uint16_t vs_tx_burst_or_free(uint16_t port_id, uint16_t queue_id, struct rte_mbuf **pkts,
                             uint16_t n);

/* Mbufs */
struct rte_mbuf *vs_pktmbuf_alloc(struct rte_mempool *mp);
int  vs_pktmbuf_alloc_bulk(struct rte_mempool *mp, struct rte_mbuf **pkts, uint32_t n);
void vs_pktmbuf_free(struct rte_mbuf *m);
void vs_pktmbuf_free_bulk(struct rte_mbuf **pkts, uint32_t n);
uint16_t vs_mbuf_refcnt_read(const struct rte_mbuf *m);
uint16_t vs_mbuf_refcnt_update(struct rte_mbuf *m, int16_t delta);
char *vs_pktmbuf_prepend(struct rte_mbuf *m, uint16_t len);
char *vs_pktmbuf_adj(struct rte_mbuf *m, uint16_t len);
char *vs_pktmbuf_append(struct rte_mbuf *m, uint16_t len);
struct rte_mbuf *vs_pktmbuf_copy(const struct rte_mbuf *m, struct rte_mempool *mp);

#ifdef __cplusplus
}
#endif
#endif
