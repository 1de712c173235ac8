print("wamedia")
