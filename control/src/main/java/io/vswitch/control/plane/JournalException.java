package io.vswitch.control.plane;

/**
 * The journal cannot be opened, restored or written. The message is one line that starts with
 * "journal", says what is wrong and where, for "vswitch: error: ..." to print as it is.
 */
public final class JournalException extends RuntimeException {
  private final boolean lostChanges;

  public JournalException(String message) {
    this(message, null, false);
  }

  public JournalException(String message, Throwable cause) {
    this(message, cause, false);
  }

  private JournalException(String message, Throwable cause, boolean lostChanges) {
    super(message, cause);
    this.lostChanges = lostChanges;
  }

  /** The journal is damaged, shorter, missing or replaced: restoring it would lose changes. */
  static JournalException lostChanges(String message) {
    return new JournalException(message, null, true);
  }

  /**
   * Whether this is damage (starting over from the config file is the operator's choice), rather
   * than a journal in use or a file that cannot be read (where starting over would be wrong).
   */
  public boolean lostChanges() {
    return lostChanges;
  }
}
