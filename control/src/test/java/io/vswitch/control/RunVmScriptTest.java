package io.vswitch.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * scripts/run-vm.sh builds the QEMU command a VM needs to attach to a vhost-user port. No VM can
 * run on this machine kind, so the test checks the command line (--dry-run) against what QEMU's
 * vhost-user needs: shared guest memory, the socket chardev, the netdev and a multi-queue device.
 */
class RunVmScriptTest {
  private static final Path SCRIPT = Path.of("..", "scripts", "run-vm.sh");

  private static List<String> dryRun(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
    command.addAll(List.of(args));
    command.add("--dry-run");
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertEquals(0, p.waitFor(), out);
    return List.of(out.split(" "));
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
    assertEquals("node,memdev=mem", after(cmd, "-numa"));
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
}
