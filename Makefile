# Developer targets.  The two commands a newcomer needs are ./run-benchmark.sh
# and ./run-tests.sh (see README.md); these are the pieces they are made of.
FLAVOUR ?= patched

help:
	@echo "make deps            install the Debian packages the workbench needs"
	@echo "make tree            unpack linux-source-7.3 and apply patches/ (work tree: /var/tmp/migrate-offload/linux)"
	@echo "make export          write the work tree's commits back into patches/"
	@echo "make cover-letter    regenerate patches/0000-cover-letter.patch (after ./run-benchmark.sh)"
	@echo "make build           build FLAVOUR=vanilla|patched|debug (default patched)"
	@echo "make deb             Debian packages of the patched kernel to install on a machine (DEB_CONFIG=running|debian|lean|FILE)"
	@echo "make initramfs       assemble the guest initramfs for FLAVOUR"
	@echo "make shell           boot FLAVOUR in the NUMA VM with a shell on the console"
	@echo "make test            ./run-tests.sh"
	@echo "make bench           ./run-benchmark.sh"

deps:
	scripts/deps.sh
tree: deps
	scripts/tree.sh
export:
	scripts/export.sh
cover-letter:
	scripts/cover-letter.sh
build: tree
	scripts/build.sh $(FLAVOUR)
deb: tree
	scripts/deb.sh $(DEB_CONFIG)
initramfs: build
	scripts/initramfs.sh $(FLAVOUR)
shell: initramfs
	scripts/vm.sh $(FLAVOUR) shell /dev/null
test:
	./run-tests.sh
bench:
	./run-benchmark.sh

.PHONY: help deps tree export cover-letter build deb initramfs shell test bench
