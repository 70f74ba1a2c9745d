/*
 * vswitch_shim.c - see vswitch_shim.h for why this exists and its rules.
 * Every function here is a thin, allocation-free wrapper; the set-up functions bundle the
 * multi-call DPDK sequences (configure + queue setup) so Java makes one call per step.
 */
#define ALLOW_EXPERIMENTAL_API 1

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "vswitch_shim.h"

#define VS_MAX_NAME 128

int vs_api_version(void) { return VS_SHIM_API_VERSION; }

const char *vs_strerror(int errnum) { return rte_strerror(errnum < 0 ? -errnum : errnum); }

int vs_mbuf_layout(uint32_t *out, int n) {
    uint32_t v[VS_MBUF_FIELD_COUNT];
    v[VS_MBUF_SIZEOF] = sizeof(struct rte_mbuf);
    v[VS_MBUF_BUF_ADDR] = offsetof(struct rte_mbuf, buf_addr);
    v[VS_MBUF_DATA_OFF] = offsetof(struct rte_mbuf, data_off);
    v[VS_MBUF_REFCNT] = offsetof(struct rte_mbuf, refcnt);
    v[VS_MBUF_NB_SEGS] = offsetof(struct rte_mbuf, nb_segs);
    v[VS_MBUF_PORT] = offsetof(struct rte_mbuf, port);
    v[VS_MBUF_OL_FLAGS] = offsetof(struct rte_mbuf, ol_flags);
    v[VS_MBUF_PACKET_TYPE] = offsetof(struct rte_mbuf, packet_type);
    v[VS_MBUF_PKT_LEN] = offsetof(struct rte_mbuf, pkt_len);
    v[VS_MBUF_DATA_LEN] = offsetof(struct rte_mbuf, data_len);
    v[VS_MBUF_VLAN_TCI] = offsetof(struct rte_mbuf, vlan_tci);
    v[VS_MBUF_HASH_RSS] = offsetof(struct rte_mbuf, hash.rss);
    v[VS_MBUF_VLAN_TCI_OUTER] = offsetof(struct rte_mbuf, vlan_tci_outer);
    v[VS_MBUF_BUF_LEN] = offsetof(struct rte_mbuf, buf_len);
    v[VS_MBUF_POOL] = offsetof(struct rte_mbuf, pool);
    v[VS_MBUF_NEXT] = offsetof(struct rte_mbuf, next);
    v[VS_MBUF_HEADROOM] = RTE_PKTMBUF_HEADROOM;
    int count = n < VS_MBUF_FIELD_COUNT ? n : VS_MBUF_FIELD_COUNT;
    memcpy(out, v, sizeof(uint32_t) * (size_t)count);
    return count;
}

#define PUT(s, f) out[i++] = offsetof(struct s, f)
int vs_struct_layout(int kind, uint32_t *out, int n) {
    if (n < 16) return -EINVAL;
    int i = 0;
    switch (kind) {
    case VS_STRUCT_PORT_STATS:
        out[i++] = sizeof(struct vs_port_stats);
        PUT(vs_port_stats, ipackets); PUT(vs_port_stats, opackets);
        PUT(vs_port_stats, ibytes);   PUT(vs_port_stats, obytes);
        PUT(vs_port_stats, imissed);  PUT(vs_port_stats, ierrors);
        PUT(vs_port_stats, oerrors);  PUT(vs_port_stats, rx_nombuf);
        return i;
    case VS_STRUCT_LINK_INFO:
        out[i++] = sizeof(struct vs_link_info);
        PUT(vs_link_info, speed_mbps); PUT(vs_link_info, full_duplex);
        PUT(vs_link_info, autoneg);    PUT(vs_link_info, up);
        PUT(vs_link_info, reserved0);  PUT(vs_link_info, reserved1);
        return i;
    case VS_STRUCT_PORT_INFO:
        out[i++] = sizeof(struct vs_port_info);
        PUT(vs_port_info, driver_name);   PUT(vs_port_info, mac);
        PUT(vs_port_info, max_rx_queues); PUT(vs_port_info, max_tx_queues);
        PUT(vs_port_info, reserved0);     PUT(vs_port_info, socket_id);
        PUT(vs_port_info, rss_offloads);
        return i;
    default:
        return -EINVAL;
    }
}
#undef PUT

/* ---- EAL ---- */

int vs_eal_init(int argc, char **argv) {
    int ret = rte_eal_init(argc, argv);
    return ret < 0 ? -rte_errno : ret;
}

int vs_eal_cleanup(void) { return rte_eal_cleanup(); }

int vs_thread_register(void) {
    if (rte_thread_register() != 0) return -rte_errno;
    return (int)rte_lcore_id();
}

void vs_thread_unregister(void) { rte_thread_unregister(); }
uint32_t vs_lcore_id(void) { return rte_lcore_id(); }
uint64_t vs_tsc_hz(void) { return rte_get_tsc_hz(); }
uint64_t vs_rdtsc(void) { return rte_rdtsc(); }

/* ---- Mempools ---- */

struct rte_mempool *vs_pktmbuf_pool_create(const char *name, uint32_t n, uint32_t cache_size,
                                           uint16_t data_room, int socket_id) {
    return rte_pktmbuf_pool_create(name, n, cache_size, 0, data_room, socket_id);
}

void vs_mempool_free(struct rte_mempool *mp) { rte_mempool_free(mp); }
uint32_t vs_mempool_in_use(const struct rte_mempool *mp) { return rte_mempool_in_use_count(mp); }
uint32_t vs_mempool_avail(const struct rte_mempool *mp) { return rte_mempool_avail_count(mp); }

/* ---- Ports ---- */

/* The ethdev name of a device is its devargs up to the first comma ("net_null0,size=64"). */
static int device_name(const char *devargs, char *name, size_t cap) {
    size_t len = strcspn(devargs, ",");
    if (len == 0 || len >= cap) return -EINVAL;
    memcpy(name, devargs, len);
    name[len] = '\0';
    return 0;
}

int vs_port_lookup(const char *name, uint16_t *port_id) {
    return rte_eth_dev_get_port_by_name(name, port_id) == 0 ? 0 : -ENODEV;
}

int vs_port_probe(const char *devargs, uint16_t *port_id) {
    char name[VS_MAX_NAME];
    int ret = device_name(devargs, name, sizeof(name));
    if (ret < 0) return ret;
    if (rte_eth_dev_get_port_by_name(name, port_id) == 0) return -EEXIST;
    ret = rte_dev_probe(devargs);
    if (ret < 0) return ret;
    /* A driver can accept the devargs and still create no ethdev (a bad iface=, say). */
    return rte_eth_dev_get_port_by_name(name, port_id) == 0 ? 0 : -ENODEV;
}

int vs_port_configure(uint16_t port_id, uint16_t nb_rxq, uint16_t nb_txq, uint16_t nb_rxd,
                      uint16_t nb_txd, struct rte_mempool *mp, int enable_rss) {
    struct rte_eth_dev_info info;
    int ret = rte_eth_dev_info_get(port_id, &info);
    if (ret != 0) return ret;
    if (nb_rxq > info.max_rx_queues || nb_txq > info.max_tx_queues) return -EINVAL;

    struct rte_eth_conf conf;
    memset(&conf, 0, sizeof(conf));
    if (enable_rss && nb_rxq > 1 && info.flow_type_rss_offloads != 0) {
        conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
        conf.rx_adv_conf.rss_conf.rss_hf =
            (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
    }
    /* A pool sized for jumbo frames (the largest port MTU): let the device take frames as long
     * as one mbuf holds, so the switch, not the device, refuses and counts what exceeds each
     * port's own MTU. A default pool keeps the device default (1500). */
    uint32_t room = rte_pktmbuf_data_room_size(mp) - RTE_PKTMBUF_HEADROOM;
    if (room > RTE_MBUF_DEFAULT_DATAROOM) {
        uint32_t mtu = room - RTE_ETHER_HDR_LEN - RTE_VLAN_HLEN - RTE_ETHER_CRC_LEN;
        conf.rxmode.mtu = mtu < info.max_mtu ? mtu : info.max_mtu;
    }
    /* MBUF_FAST_FREE stays off: flooding sends mbufs with refcnt > 1 from several pools. */
    ret = rte_eth_dev_configure(port_id, nb_rxq, nb_txq, &conf);
    if (ret != 0 && conf.rxmode.mtu != 0) {
        conf.rxmode.mtu = 0; /* a device that refuses jumbo frames still works at 1500 */
        ret = rte_eth_dev_configure(port_id, nb_rxq, nb_txq, &conf);
    }
    if (ret != 0) return ret;
    ret = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &nb_rxd, &nb_txd);
    if (ret != 0) return ret;

    int socket = rte_eth_dev_socket_id(port_id);
    for (uint16_t q = 0; q < nb_rxq; q++) {
        ret = rte_eth_rx_queue_setup(port_id, q, nb_rxd, socket, NULL, mp);
        if (ret != 0) return ret;
    }
    for (uint16_t q = 0; q < nb_txq; q++) {
        ret = rte_eth_tx_queue_setup(port_id, q, nb_txd, socket, NULL);
        if (ret != 0) return ret;
    }
    return 0;
}

int vs_port_start(uint16_t port_id) { return rte_eth_dev_start(port_id); }
int vs_port_stop(uint16_t port_id) { return rte_eth_dev_stop(port_id); }

int vs_port_close_and_remove(uint16_t port_id) {
    struct rte_eth_dev_info info;
    int ret = rte_eth_dev_info_get(port_id, &info);
    if (ret != 0) return ret;
    struct rte_device *dev = info.device;
    ret = rte_eth_dev_close(port_id);
    if (ret != 0) return ret;
    /* Removing the device frees its driver state, so the same devargs can be probed again. */
    return dev != NULL ? rte_dev_remove(dev) : 0;
}

int vs_port_promiscuous(uint16_t port_id, int enable) {
    int ret = enable ? rte_eth_promiscuous_enable(port_id) : rte_eth_promiscuous_disable(port_id);
    return ret == -ENOTSUP ? 0 : ret; /* virtual devices often have no such mode */
}

int vs_port_stats(uint16_t port_id, struct vs_port_stats *out) {
    struct rte_eth_stats s;
    int ret = rte_eth_stats_get(port_id, &s);
    if (ret != 0) return ret;
    out->ipackets = s.ipackets;
    out->opackets = s.opackets;
    out->ibytes = s.ibytes;
    out->obytes = s.obytes;
    out->imissed = s.imissed;
    out->ierrors = s.ierrors;
    out->oerrors = s.oerrors;
    out->rx_nombuf = s.rx_nombuf;
    return 0;
}

int vs_port_stats_reset(uint16_t port_id) { return rte_eth_stats_reset(port_id); }

int vs_port_link(uint16_t port_id, struct vs_link_info *out) {
    struct rte_eth_link link;
    memset(&link, 0, sizeof(link));
    int ret = rte_eth_link_get_nowait(port_id, &link);
    if (ret != 0) return ret;
    memset(out, 0, sizeof(*out));
    out->speed_mbps = link.link_speed;
    out->full_duplex = link.link_duplex == RTE_ETH_LINK_FULL_DUPLEX;
    out->autoneg = link.link_autoneg == RTE_ETH_LINK_AUTONEG;
    out->up = link.link_status == RTE_ETH_LINK_UP;
    return 0;
}

int vs_port_info(uint16_t port_id, struct vs_port_info *out) {
    struct rte_eth_dev_info info;
    int ret = rte_eth_dev_info_get(port_id, &info);
    if (ret != 0) return ret;
    struct rte_ether_addr mac;
    ret = rte_eth_macaddr_get(port_id, &mac);
    if (ret != 0) return ret;
    memset(out, 0, sizeof(*out));
    strncpy(out->driver_name, info.driver_name ? info.driver_name : "", sizeof(out->driver_name) - 1);
    memcpy(out->mac, mac.addr_bytes, 6);
    out->max_rx_queues = info.max_rx_queues;
    out->max_tx_queues = info.max_tx_queues;
    out->socket_id = rte_eth_dev_socket_id(port_id);
    out->rss_offloads = info.flow_type_rss_offloads;
    return 0;
}

uint16_t vs_port_count(void) { return rte_eth_dev_count_avail(); }

/* ---- Fast path ---- */

uint16_t vs_rx_burst(uint16_t port_id, uint16_t queue_id, struct rte_mbuf **pkts, uint16_t n) {
    return rte_eth_rx_burst(port_id, queue_id, pkts, n);
}

uint16_t vs_tx_burst(uint16_t port_id, uint16_t queue_id, struct rte_mbuf **pkts, uint16_t n) {
    return rte_eth_tx_burst(port_id, queue_id, pkts, n);
}

uint16_t vs_tx_burst_or_free(uint16_t port_id, uint16_t queue_id, struct rte_mbuf **pkts,
                             uint16_t n) {
    uint16_t sent = rte_eth_tx_burst(port_id, queue_id, pkts, n);
    if (unlikely(sent < n)) rte_pktmbuf_free_bulk(pkts + sent, n - sent);
    return sent;
}

/* ---- Mbufs ---- */

struct rte_mbuf *vs_pktmbuf_alloc(struct rte_mempool *mp) { return rte_pktmbuf_alloc(mp); }

int vs_pktmbuf_alloc_bulk(struct rte_mempool *mp, struct rte_mbuf **pkts, uint32_t n) {
    return rte_pktmbuf_alloc_bulk(mp, pkts, n);
}

void vs_pktmbuf_free(struct rte_mbuf *m) { rte_pktmbuf_free(m); }
void vs_pktmbuf_free_bulk(struct rte_mbuf **pkts, uint32_t n) { rte_pktmbuf_free_bulk(pkts, n); }
uint16_t vs_mbuf_refcnt_read(const struct rte_mbuf *m) { return rte_mbuf_refcnt_read(m); }

uint16_t vs_mbuf_refcnt_update(struct rte_mbuf *m, int16_t delta) {
    return rte_mbuf_refcnt_update(m, delta);
}

char *vs_pktmbuf_prepend(struct rte_mbuf *m, uint16_t len) { return rte_pktmbuf_prepend(m, len); }
char *vs_pktmbuf_adj(struct rte_mbuf *m, uint16_t len) { return rte_pktmbuf_adj(m, len); }
char *vs_pktmbuf_append(struct rte_mbuf *m, uint16_t len) { return rte_pktmbuf_append(m, len); }

struct rte_mbuf *vs_pktmbuf_copy(const struct rte_mbuf *m, struct rte_mempool *mp) {
    return rte_pktmbuf_copy(m, mp, 0, UINT32_MAX);
}
