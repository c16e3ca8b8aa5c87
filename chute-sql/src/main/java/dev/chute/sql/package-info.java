/**
 * What the warehouses that speak SQL over JDBC (DuckDB, PostgreSQL) share: the tables of the
 * {@code _chute} schema, the statements that read and write them and the mappers from their rows
 * to the SPI's values; the reading of a query's result into a {@link dev.chute.spi.QueryResult};
 * and the splitting of a CSV header line, which the BigQuery warehouse uses as well.
 *
 * <p>The statements are written in the SQL both engines accept; what differs between them (how
 * parameters are bound, how a connection is had, which errors mean what) stays in the connector.
 */
package dev.chute.sql;
