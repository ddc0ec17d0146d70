# ctest sim.small: the 200-node scenario twice with one seed. Each run checks
# its invariants (every node at min_outbound, one component); the two
# timeseries.csv and ttt.csv files must be identical (determinism).
foreach(run a b)
  message(STATUS "pqnet-sim --scenario=small --seed=${SEED} (run ${run})")
  execute_process(COMMAND ${SIM} --scenario=small --seed=${SEED} --out=${OUT}-${run}
                          --check=1 --plot=0 --quiet=1
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "sim.small run ${run} failed (seed ${SEED}): see ${OUT}-${run}/summary.txt")
  endif()
endforeach()
foreach(f timeseries.csv ttt.csv)
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT}-a/${f} ${OUT}-b/${f}
                  RESULT_VARIABLE diff)
  if(NOT diff EQUAL 0)
    message(FATAL_ERROR "sim.small: ${f} differs between two runs with seed ${SEED}")
  endif()
endforeach()
message(STATUS "sim.small: seed ${SEED}: invariants hold, CSVs identical")
