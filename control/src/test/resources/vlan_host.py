#!/usr/bin/env python3
"""A trunk host in user space: answers ARP and ICMP echo on 802.1Q VLANs.

Test kernels here have no 8021q module (no VLAN sub-interfaces, no VLAN-aware bridge), so the
trunk host of the L2 tests is this: a raw AF_PACKET socket on the namespace's interface that
owns one IPv4 address per VLAN and replies, tagged, to ARP requests and pings for it. It accepts
the tag in-band or, as the kernel's receive path moves it, from PACKET_AUXDATA.

usage: vlan_host.py IFACE MAC VID:IP [VID:IP ...]
"""
import socket
import struct
import sys

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_AUXDATA = 8
TP_STATUS_VLAN_VALID = 1 << 4


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def tagged(dst, src, vid, ethertype, payload):
    return dst + src + struct.pack("!HHH", 0x8100, vid, ethertype) + payload


def main():
    iface, mac = sys.argv[1], bytes.fromhex(sys.argv[2].replace(":", ""))
    addresses = {}
    for spec in sys.argv[3:]:
        vid, ip = spec.split(":")
        addresses[int(vid)] = socket.inet_aton(ip)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    s.bind((iface, 0))
    print("ready", flush=True)
    while True:
        frame, ancillary, _, address = s.recvmsg(65535, socket.CMSG_SPACE(20))
        if address[2] == socket.PACKET_OUTGOING:
            continue
        vid, ethertype, payload = None, struct.unpack("!H", frame[12:14])[0], frame[14:]
        if ethertype == 0x8100:
            vid = struct.unpack("!H", frame[14:16])[0] & 0xFFF
            ethertype, payload = struct.unpack("!H", frame[16:18])[0], frame[18:]
        for level, kind, data in ancillary:
            if level == SOL_PACKET and kind == PACKET_AUXDATA:
                status, _, _, _, _, tci = struct.unpack("IIIHHH", data[:18])
                if status & TP_STATUS_VLAN_VALID:
                    vid = tci & 0xFFF
        if vid not in addresses:
            continue
        reply = answer(frame[6:12], mac, vid, addresses[vid], ethertype, payload)
        if reply:
            s.send(reply)


def answer(peer, mac, vid, ip, ethertype, payload):
    if ethertype == 0x0806 and len(payload) >= 28:
        op = struct.unpack("!H", payload[6:8])[0]
        if op == 1 and payload[24:28] == ip:
            arp = payload[:6] + struct.pack("!H", 2) + mac + ip + payload[8:18]
            return tagged(peer, mac, vid, 0x0806, arp)
    if ethertype == 0x0800 and len(payload) >= 28 and payload[9] == 1 and payload[16:20] == ip:
        ihl = (payload[0] & 0x0F) * 4
        total = struct.unpack("!H", payload[2:4])[0]
        icmp = payload[ihl:total]
        if icmp[0] == 8:
            body = b"\0\0\0\0" + icmp[4:]
            body = b"\0\0" + struct.pack("!H", checksum(body)) + icmp[4:]
            header = bytearray(payload[:ihl])
            header[12:16], header[16:20] = payload[16:20], payload[12:16]
            header[8] = 64
            header[10:12] = b"\0\0"
            header[10:12] = struct.pack("!H", checksum(bytes(header)))
            return tagged(peer, mac, vid, 0x0800, bytes(header) + body)
    return None


if __name__ == "__main__":
    main()
