package io.vswitch.perf.profile;

import com.sun.tools.attach.AgentInitializationException;
import com.sun.tools.attach.AgentLoadException;
import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * async-profiler (Maven Central tools.profiler:async-profiler, classifier linux-x64) driven from
 * outside the switch: the jar's libasyncProfiler.so is copied out once and loaded into the switch's
 * JVM through the JDK attach API, once per command (start, dump, stop), as its own asprof does.
 * Loading an agent into a running JVM leaves its compiled code alone, so what the profile sees is
 * what the bench measures.
 */
final class AsyncProfilerAgent {
  /** Where the linux-x64 jar keeps the library. */
  static final String RESOURCE = "linux-x64/libasyncProfiler.so";

  private final Path library;

  private AsyncProfilerAgent(Path library) {
    this.library = library;
  }

  /** Copies the library out of the class path into {@code dir}. */
  static AsyncProfilerAgent extractTo(Path dir) {
    try (InputStream in = AsyncProfilerAgent.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(
            RESOURCE
                + " is not on the class path: the perf module's async-profiler dependency"
                + " (tools.profiler:async-profiler:linux-x64) is missing; run mvn package");
      }
      Path lib = dir.resolve("libasyncProfiler.so");
      Files.copy(in, lib, StandardCopyOption.REPLACE_EXISTING);
      return new AsyncProfilerAgent(lib);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Runs one async-profiler command (its agent syntax, e.g. "start,event=cpu") in JVM {@code pid}.
   */
  void execute(long pid, String command) {
    VirtualMachine vm;
    try {
      vm = VirtualMachine.attach(Long.toString(pid));
    } catch (AttachNotSupportedException | IOException e) {
      throw new IllegalStateException("cannot attach to the switch (pid " + pid + "): " + e, e);
    }
    try {
      vm.loadAgentPath(library.toString(), command);
    } catch (AgentLoadException | AgentInitializationException | IOException e) {
      throw new IllegalStateException(
          "async-profiler refused '" + command + "' (its reason is in the switch's log): " + e, e);
    } finally {
      try {
        vm.detach();
      } catch (IOException e) {
        // the command ran; a failed detach only leaves the attach socket to the JVM's exit
      }
    }
  }
}
