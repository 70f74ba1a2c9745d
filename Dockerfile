# vswitch in a container: Debian 12's DPDK 22.11 and a JDK 25 from Eclipse Temurin.
# Build:  docker build -t vswitch .
# Run:    docker run --rm --privileged --network host -v /dev/hugepages:/dev/hugepages \
#           -v $PWD/config:/config vswitch --config /config/switch.yaml
# (--privileged and host networking: AF_XDP/AF_PACKET ports open host interfaces, PCI ports
#  need vfio, and hugepages are the host's.)

FROM eclipse-temurin:25-jdk AS jdk

FROM debian:bookworm AS build
COPY --from=jdk /opt/java/openjdk /opt/java/openjdk
ENV JAVA_HOME=/opt/java/openjdk PATH=/opt/java/openjdk/bin:$PATH
RUN apt-get update && apt-get install -y --no-install-recommends \
      dpdk dpdk-dev libdpdk-dev pkg-config gcc maven \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN mvn -B -q package -DskipTests -Dspotless.check.skip=true

FROM debian:bookworm-slim
COPY --from=jdk /opt/java/openjdk /opt/java/openjdk
ENV JAVA_HOME=/opt/java/openjdk PATH=/opt/java/openjdk/bin:$PATH
# The dpdk package brings the librte_* runtime and every PMD (pcap, af_xdp, vhost, NICs).
RUN apt-get update && apt-get install -y --no-install-recommends dpdk iproute2 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/control/target/classes /opt/vswitch/classes
COPY --from=build /src/control/target/lib /opt/vswitch/lib
# Keep in step with VSWITCH_JVM_OPTS in scripts/lib/common.sh.
# (--sun-misc-unsafe-memory-access=allow: the etcd client's gRPC uses sun.misc.Unsafe; JDK 25 would
#  warn on stderr.)
ENTRYPOINT ["java", "--enable-native-access=ALL-UNNAMED", "-XX:+UseZGC", \
            "--sun-misc-unsafe-memory-access=allow", \
            "-cp", "/opt/vswitch/classes:/opt/vswitch/lib/*", "io.vswitch.control.VswitchMain"]
CMD ["--help"]
