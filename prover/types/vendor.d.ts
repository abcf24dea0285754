// Minimal declarations for the untyped JavaScript packages of the circom ecosystem.
declare module "snarkjs";
declare module "circomlibjs";
declare module "r1csfile";
declare module "circom_runtime";
