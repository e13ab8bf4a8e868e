/**
 * The main demo (`deno task demo`): a tour of what sockkit does, each part a runnable
 * example of its own.
 *
 * @module
 */
console.log("sockkit demo: the address tour comes with the addressing work");
