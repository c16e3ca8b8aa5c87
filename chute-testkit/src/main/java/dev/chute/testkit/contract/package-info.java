/**
 * The warehouse contract: Chute's loading promises (every row of a file or none, every digit, a
 * clear error with the line) written once as abstract JUnit tests, run by each warehouse module
 * through a subclass that names its warehouse.
 */
package dev.chute.testkit.contract;
