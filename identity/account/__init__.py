"""The account a viewer manages: passwords, signed-in devices, sign-in with a code, deletion and export."""
