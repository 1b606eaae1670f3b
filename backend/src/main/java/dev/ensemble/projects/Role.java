package dev.ensemble.projects;

/** A member's role in a project, weakest first. */
public enum Role {
  VIEWER,
  EDITOR,
  OWNER;

  public static Role parse(String value) {
    return Role.valueOf(value.toUpperCase(java.util.Locale.ROOT));
  }

  public String wire() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  public boolean atLeast(Role other) {
    return compareTo(other) >= 0;
  }
}
