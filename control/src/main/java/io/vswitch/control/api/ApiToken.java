package io.vswitch.control.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The bearer token that API changes must carry: made once, kept in the state directory readable by
 * its owner only (vswitchctl reads it from there), and compared in constant time.
 */
public final class ApiToken {
  public static final String FILE = "api-token";
  private final String token;

  private ApiToken(String token) {
    this.token = token;
  }

  /** Reads the token in {@code stateDir}, creating it (mode 0600) on first use. */
  public static ApiToken load(Path stateDir) {
    Path file = stateDir.resolve(FILE);
    try {
      if (!Files.exists(file)) {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        Files.createFile(
            file,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, HexFormat.of().formatHex(random) + "\n");
      }
      return new ApiToken(Files.readString(file).trim());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create " + file + ": " + e.getMessage(), e);
    }
  }

  public static ApiToken of(String token) {
    return new ApiToken(token);
  }

  /** True when the Authorization header carries this token ("Bearer TOKEN"). */
  public boolean authorizes(String authorizationHeader) {
    if (authorizationHeader == null || !authorizationHeader.startsWith("Bearer ")) {
      return false;
    }
    byte[] given = authorizationHeader.substring(7).trim().getBytes();
    return MessageDigest.isEqual(given, token.getBytes());
  }

  public String value() {
    return token;
  }
}
