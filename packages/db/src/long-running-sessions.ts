// Session settings for the tools that run long statements on the primary directly (migrations,
// the seed): the apps' role carries a 10 s statement timeout and idle-in-transaction timeout
// (infra/postgres/app-role-timeouts.sql), which an index build or a bulk load must not inherit.

/**
 * node-postgres' `options`: Postgres applies them at connect, over the role's settings. They
 * only work on a direct connection (PgBouncer drops the parameter), which these tools use.
 */
export const LONG_RUNNING_SESSION_OPTIONS =
  '-c statement_timeout=0 -c idle_in_transaction_session_timeout=0';
