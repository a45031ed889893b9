# embed.cmake — turns bootstrap.py into a C array (cmake -DIN=bootstrap.py -DOUT=x.c -P embed.cmake)
# so the plumb binary needs no file installed beside it.
file(READ ${IN} hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
string(REGEX REPLACE "((0x..,){16})" "\\1\n" body "${body}")
file(WRITE ${OUT} "/* generated from bootstrap.py by embed.cmake; do not edit */\n"
     "#include \"rules/functions/functions_int.h\"\n"
     "const char pl_fn_bootstrap_py[] = {\n${body}0};\n")
