print("cimbase")
