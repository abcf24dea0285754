// Declarations for the circom-ecosystem packages that ship no types and have no maintained @types
// package (snarkjs and circomlibjs use @types/snarkjs and @types/circomlibjs; see ./snarkjs.d.ts).
declare module "r1csfile";
declare module "circom_runtime";
