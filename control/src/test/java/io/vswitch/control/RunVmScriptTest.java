package io.vswitch.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * scripts/run-vm.sh builds the QEMU command a VM needs to attach to a vhost-user port. The test
 * checks the command line (--dry-run) against what QEMU's vhost-user needs: shared guest memory,
 * the socket chardev, the netdev, a multi-queue device, and what this machine kind needs (TCG, and
 * vectors=0 on QEMU 7.x). VhostLiveChangeTest boots the real guest with it.
 */
class RunVmScriptTest {
  private static final Path SCRIPT = Path.of("..", "scripts", "run-vm.sh");

  private static List<String> dryRun(String... args) throws IOException, InterruptedException {
    return List.of(dryRunText("8.2.0", args).split(" "));
  }

  /** The printed command, as if the installed QEMU were {@code qemuVersion}. */
  private static String dryRunText(String qemuVersion, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
    command.addAll(List.of(args));
    command.add("--dry-run");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("QEMU_VERSION", qemuVersion);
    Process p = builder.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertEquals(0, p.waitFor(), out);
    return out;
  }

  private static String after(List<String> words, String option) {
    int i = words.indexOf(option);
    assertTrue(i >= 0 && i + 1 < words.size(), option + " missing from " + words);
    return words.get(i + 1);
  }

  @Test
  void clientOfTheSwitchSocketWithSharedMemoryAndMultiQueue() throws Exception {
    List<String> cmd =
        dryRun(
            "--socket",
            "/run/vswitch/vm1.sock",
            "--image",
            "vm.qcow2",
            "--queues",
            "4",
            "--memory",
            "2048");
    assertEquals("qemu-system-x86_64", cmd.get(0));
    assertEquals("memory-backend-memfd,id=mem,size=2048M,share=on", after(cmd, "-object"));
    assertTrue(after(cmd, "-machine").endsWith(",memory-backend=mem"), cmd.toString());
    assertEquals("socket,id=vsw0,path=/run/vswitch/vm1.sock,reconnect=1", after(cmd, "-chardev"));
    assertEquals("vhost-user,id=net0,chardev=vsw0,queues=4", after(cmd, "-netdev"));
    assertTrue(after(cmd, "-device").endsWith(",mq=on,vectors=10"), cmd.toString());
  }

  @Test
  void serverModeOwnsTheSocketAndOneQueueNeedsNoMq() throws Exception {
    List<String> cmd = dryRun("--socket", "/tmp/vm.sock", "--image", "vm.img", "--server");
    assertEquals("socket,id=vsw0,path=/tmp/vm.sock,server=on,wait=off", after(cmd, "-chardev"));
    assertEquals("vhost-user,id=net0,chardev=vsw0,queues=1", after(cmd, "-netdev"));
    assertTrue(!after(cmd, "-device").contains("mq=on"), cmd.toString());
  }

  /** QEMU 7.2 segfaults in MSI-X over vhost-user: vectors=0, with one queue or several. */
  @Test
  void qemu7GetsNoMsixVectors() throws Exception {
    for (String queues : new String[] {"1", "4"}) {
      String out =
          dryRunText("7.2.22", "--socket", "/tmp/vm.sock", "--image", "vm.img", "--queues", queues);
      String device = after(List.of(out.split(" ")), "-device");
      assertTrue(device.endsWith(",vectors=0"), device);
      assertEquals(queues.equals("4"), device.contains(",mq=on"), device);
    }
  }

  /** A kernel and initramfs instead of a disk, the console in a file, TCG where asked. */
  @Test
  void kernelBootUnderTcgWithTheConsoleInAFile() throws Exception {
    String out =
        dryRunText(
            "7.2.22",
            "--socket",
            "/tmp/vm.sock",
            "--kernel",
            "/k/vmlinuz",
            "--initrd",
            "/k/initrd.gz",
            "--append",
            "vsw.ip=10.0.0.2/24",
            "--console",
            "/tmp/console.log",
            "--accel",
            "tcg",
            "--memory",
            "512");
    List<String> cmd = List.of(out.split(" "));
    assertEquals("pc,accel=tcg,memory-backend=mem", after(cmd, "-machine"));
    assertEquals("max", after(cmd, "-cpu"), "TCG has no host CPU to pass through");
    assertEquals("memory-backend-memfd,id=mem,size=512M,share=on", after(cmd, "-object"));
    assertEquals("/k/vmlinuz", after(cmd, "-kernel"));
    assertEquals("/k/initrd.gz", after(cmd, "-initrd"));
    assertTrue(out.contains("-append console=ttyS0\\ "), out);
    assertTrue(out.contains("vsw.ip=10.0.0.2/24"), out);
    assertEquals("file:/tmp/console.log", after(cmd, "-serial"));
    assertTrue(!cmd.contains("-drive") && !cmd.contains("-enable-kvm"), out);
  }

  /** Without virtualisation in the CPU (this machine kind), auto means TCG. */
  @Test
  void autoAccelerationFallsBackToTcgWithoutVirtualisation() throws Exception {
    String cpuinfo = Files.readString(Path.of("/proc/cpuinfo"));
    boolean virt = java.util.regex.Pattern.compile("\\b(vmx|svm)\\b").matcher(cpuinfo).find();
    List<String> cmd = dryRun("--socket", "/tmp/vm.sock", "--image", "vm.img");
    boolean kvmUsable =
        virt && Files.isReadable(Path.of("/dev/kvm")) && Files.isWritable(Path.of("/dev/kvm"));
    assertEquals(
        kvmUsable ? "pc,accel=kvm,memory-backend=mem" : "pc,accel=tcg,memory-backend=mem",
        after(cmd, "-machine"));
  }

  @Test
  void refusesWhatCannotRun() throws Exception {
    for (String[] args :
        new String[][] {
          {"--socket", "/tmp/vm.sock", "--image", "vm.img", "--accel", "hvf"},
          {"--socket", "/tmp/vm.sock"},
          {"--socket", "/tmp/vm.sock", "--kernel", "/k/vmlinuz"},
        }) {
      List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
      command.addAll(List.of(args));
      command.add("--dry-run");
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(1, p.waitFor(), out);
      assertTrue(out.startsWith("vswitch: error: "), out);
    }
  }
}
